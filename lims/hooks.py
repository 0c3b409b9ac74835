"""An ordered set of functions that apps register from their `AppConfig.ready()`: how a lower floor calls into a
higher one without importing it (`colonies.hooks`: a mouse's status change; `lims.reference`: reference loaders)."""
from collections.abc import Callable, Iterator


class HookRegistry:
    """Functions in the order they registered; registering one twice keeps it once (ready() may run again)."""

    def __init__(self, name: str):
        self.name = name
        self.functions: list[Callable] = []

    def register(self, function: Callable) -> Callable:
        if function not in self.functions:
            self.functions.append(function)
        return function

    def __iter__(self) -> Iterator[Callable]:
        return iter(list(self.functions))

    def __repr__(self) -> str:
        return f"<HookRegistry {self.name}: {len(self.functions)} registered>"
