"""mypy plugin: calling a factory_boy factory class gives the model it makes.

``UserFactory(username="alice")`` runs ``FactoryMetaClass.__call__``, which factory_boy leaves
untyped, so mypy takes the call for the factory's own constructor and types the result as a
``UserFactory``. factory_boy does type ``Factory[T].create() -> T``; this gives the plain call
the same type, read from the factory's ``DjangoModelFactory[Model]`` base."""

from collections.abc import Callable

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import TypeInfo
from mypy.plugin import FunctionContext, Plugin
from mypy.types import Instance, Type

BASE = "factory.base.BaseFactory"


class FactoryCallPlugin(Plugin):
    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        symbol = self.lookup_fully_qualified(fullname)
        if symbol is None or not isinstance(symbol.node, TypeInfo):
            return None
        info = symbol.node
        base = next((b for b in info.mro if b.fullname == BASE), None)
        if base is None or info is base:
            return None

        def model_type(ctx: FunctionContext) -> Type:
            made = map_instance_to_supertype(Instance(info, []), base)
            return made.args[0] if made.args else ctx.default_return_type

        return model_type


def plugin(version: str) -> type[Plugin]:
    return FactoryCallPlugin
