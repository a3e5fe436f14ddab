"""The typed intermediate representation: what the front end produces and every engine reads.

The checker (earl.parser) lowers the syntax tree to a `Spec`; `resolve(spec, reading)` then
yields a `Model`, the spec as one reading sees it: each definition has one body, each parameter
one value, and only the rules of that reading remain. The engines (earl.solver) all take a
`Model`; none of them knows what the names mean. This package imports neither side.

- types.py   positions, types and values
- nodes.py   expressions (each with `type`, `children`, `walk`, `find_all`)
- walk.py    passes over expressions: map, references, what a name reads through definitions
- decls.py   declarations and the whole `Spec`
- model.py   `Model` (frozen; `with_params` makes a new one) and `resolve`
- groups.py  country-group membership on a date and the dates it changes on
"""
from . import groups, walk  # noqa: F401
from .decls import *  # noqa: F401,F403
from .groups import Group, GroupDiff, GroupExpr, GroupName, GroupTable, GroupUnion, Membership  # noqa: F401
from .model import *  # noqa: F401,F403
from .nodes import *  # noqa: F401,F403
from .types import *  # noqa: F401,F403
