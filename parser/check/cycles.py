"""Cycles in a dependency graph, one readable path per strongly connected component."""
from __future__ import annotations

from collections import deque


def cycles(graph: dict) -> list[list]:
    """One representative cycle per strongly connected component with a cycle (path closed)."""
    index: dict = {}
    low: dict = {}
    on: set = set()
    stack: list = []
    comps: list[list] = []
    counter = [0]
    nodes = list(dict.fromkeys([*graph, *(d for ds in graph.values() for d in ds)]))

    def strong(v) -> None:
        # iterative Tarjan (specs can have long dependency chains)
        work = [(v, iter(graph.get(v, ())))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph.get(w, ()))))
                    advanced = True
                    break
                elif w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                comps.append(comp)

    for v in nodes:
        if v not in index:
            strong(v)
    out = []
    for comp in comps:
        members = set(comp)
        if len(comp) == 1 and comp[0] not in graph.get(comp[0], ()):
            continue
        # walk from the smallest member back to itself inside the component
        start = min(comp, key=str)
        path = [start]
        seen = {start}
        cur = start
        while True:
            succ = [w for w in graph.get(cur, ()) if w in members]
            if start in succ:
                path.append(start)
                break
            nxt = next((w for w in succ if w not in seen), None)
            if nxt is None:  # dead end inside the component: fall back to a BFS path
                path = _bfs_cycle(graph, start, members)
                break
            path.append(nxt)
            seen.add(nxt)
            cur = nxt
        out.append(path)
    return out


def _bfs_cycle(graph: dict, start, members: set) -> list:
    prev = {start: None}
    q = deque([start])
    while q:
        cur = q.popleft()
        for w in graph.get(cur, ()):
            if w not in members:
                continue
            if w == start:
                path = [cur]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = cur
                q.append(w)
    return [start, start]
