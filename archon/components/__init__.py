"""Built-in components: generator, critic, ranker, fuser, verifier, unit tests."""

from archon.components._base import Component, LayerContext, State
from archon.components.critic import Critic
from archon.components.fuser import Fuser
from archon.components.generator import Generator
from archon.components.ranker import Ranker
from archon.components.unit_tests import UnitTestEvaluator, UnitTestGenerator
from archon.components.verifier import Verifier

BUILTIN_COMPONENTS: dict[str, type[Component]] = {
    "critic": Critic,
    "fuser": Fuser,
    "generator": Generator,
    "ranker": Ranker,
    "unit_test_evaluator": UnitTestEvaluator,
    "unit_test_generator": UnitTestGenerator,
    "verifier": Verifier,
}

__all__ = [
    "BUILTIN_COMPONENTS",
    "Component",
    "Critic",
    "Fuser",
    "Generator",
    "LayerContext",
    "Ranker",
    "State",
    "UnitTestEvaluator",
    "UnitTestGenerator",
    "Verifier",
]
