"""earl serve: the lawyer's workbench (see app.py)."""
