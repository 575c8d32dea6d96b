"""The type stub matches the compiled module: every public name, and every public method and
attribute of each class, appears in both."""

import ast
import os

import apnspush
from apnspush import _apnspush

STUB = os.path.join(os.path.dirname(apnspush.__file__), "_apnspush.pyi")
AIO_STUB = os.path.join(os.path.dirname(apnspush.__file__), "aio.pyi")
# Dunders that are part of a class's public surface when the class defines them.
DUNDERS = {"__enter__", "__exit__", "__iter__", "__len__", "__call__", "__aenter__", "__aexit__"}
# Inherited from Exception and set on instances; the stub declares them, the class may not.
ERROR_ATTRS = {"code", "message"}


def stub_tree(path=STUB):
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read())


def public(name: str) -> bool:
    return not name.startswith("_") or name in DUNDERS or name == "__version__"


def stub_names(body):
    names = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
    return {n: node for n, node in names.items() if public(n)}


def test_module_names_match():
    in_stub = set(stub_names(stub_tree().body))
    in_module = {n for n in dir(_apnspush) if public(n)}
    assert in_stub == in_module


def test_class_members_match():
    for name, node in stub_names(stub_tree().body).items():
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(_apnspush, name)
        in_stub = set(stub_names(node.body))
        in_class = {n for n in vars(cls) if public(n)}
        if issubclass(cls, BaseException):
            in_stub -= ERROR_ATTRS
            in_class -= ERROR_ATTRS
        assert in_stub == in_class, name
        if "__init__" in {n.name for n in node.body if isinstance(n, ast.FunctionDef)}:
            assert "__new__" in vars(cls) or "__init__" in vars(cls), name


def test_stub_bases_match():
    for name, node in stub_names(stub_tree().body).items():
        if isinstance(node, ast.ClassDef):
            cls = getattr(_apnspush, name)
            stub_bases = [ast.unparse(b).split(".")[-1] for b in node.bases]
            assert stub_bases == [b.__name__ for b in cls.__bases__ if b is not object], name


def test_package_reexports_the_module():
    for name in apnspush.__all__:
        assert getattr(apnspush, name) is getattr(_apnspush, name)
    assert apnspush.TimeoutError is _apnspush.TimeoutError
    assert {n for n in dir(_apnspush) if public(n)} == set(apnspush.__all__) | {"TimeoutError"}


def test_aio_stub_matches_the_module():
    import inspect

    from apnspush import aio

    nodes = [n for n in stub_tree(AIO_STUB).body if isinstance(n, ast.ClassDef)]
    assert [n.name for n in nodes] == aio.__all__ == ["Pusher", "Channels"]
    for node in nodes:
        cls = getattr(aio, node.name)
        in_stub = set(stub_names(node.body))
        in_class = {n for n in vars(cls) if public(n) or n in ("__aenter__", "__aexit__")}
        in_class.add("sync")  # an instance attribute, set by __init__
        assert in_stub - {"__init__"} == in_class - {"__init__"}, node.name
        for fn in (n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            member = inspect.getattr_static(cls, fn.name)
            member = getattr(member, "__func__", member)
            stub_params = [a.arg for a in fn.args.args + fn.args.kwonlyargs]
            params = list(inspect.signature(member).parameters)
            assert stub_params == [p for p in params if p not in ("exc", "config")], fn.name
            is_async = isinstance(fn, ast.AsyncFunctionDef)
            assert is_async == inspect.iscoroutinefunction(member), fn.name
