"""The one adapter around py-rattler: solving, installing, indexing.

Nothing outside this package imports rattler; it exchanges envlock models only.
Import the submodules lazily (they load the rattler extension).
"""
