"""An envlock recipe as a snapshot: what `resolve` would ask the solver for, per platform.

The recipe goes through the real expansion (`envlock.recipe.reader.load_recipe` +
`envlock.stacks.expand.expand`), so its side of a diff holds the stack's packages with their
build pins (`pytorch 1.13.* *cuda11.7*`, `torchvision 0.14.* *cu117*`, `pyg *
*torch_1.13.0_cu117*`, `pytorch-mutex * cuda`) and the CUDA intent, not only the names
written in the file. The recipe is validated as `envlock check` validates it
(`validate_specs`, which loads rattler's matchspec parser for recipe sides only); the
expanded specs are then read by `envlock.snapshot.specs`.
"""

from __future__ import annotations

from pathlib import Path

from envlock.errors import BadInputError, where
from envlock.models import Package
from envlock.snapshot.model import Snapshot
from envlock.snapshot.specs import parse_conda_spec, parse_pip_line
from envlock.snapshot.yamlenv import first_line_with


def read_recipe_snapshot(path: Path, text: str, *, platform: str | None) -> Snapshot:
    """The specs `recipe` expands to on `platform` (None: the recipe's first platform).

    Raises BadInputError (exit 2) for a recipe `envlock check` would refuse.
    """
    from envlock.recipe.reader import load_recipe, validate_specs
    from envlock.stacks.expand import expand

    recipe = load_recipe(path)
    validate_specs(recipe)  # a recipe check refuses is refused here too, with every bad line
    chosen = platform or recipe.platforms[0]
    spec_set = expand(recipe, chosen)
    wanted: dict[str, Package] = {}
    for spec in spec_set.specs:
        try:
            parsed = parse_conda_spec(spec)
        except ValueError as error:
            raise BadInputError(
                f"{error}; envlock diff reads `name version build` specs",
                where=where(path, first_line_with(text, spec)),
            ) from None
        wanted.setdefault(parsed.name, parsed.package(spec_mode=True))
    pip: list[Package] = []
    for line in spec_set.pip:
        try:
            package = parse_pip_line(line)
        except ValueError as error:
            shown = where(path, first_line_with(text, line))
            raise BadInputError(str(error), where=shown) from None
        if package is not None:
            pip.append(package)
    conda = tuple(wanted.values())
    return Snapshot(
        source=str(path),
        kind="recipe",
        platform=chosen,
        name=recipe.name,
        channels=spec_set.channels,
        packages=(*conda, *pip),
        builds_known=any(p.build for p in conda),
        channels_known=False,
        specs=True,
        cuda_intent=spec_set.intent.cuda,
    )
