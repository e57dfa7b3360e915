"""Which names provably come from TensorFlow: a scope-aware pass over ``ast``.

One walk records, per scope (module, class, function, lambda, comprehension),
every binding of every name, and every *dotted chain* (``tf.contrib.losses.x``,
``L.log_loss``, ``hinge_loss``) read in that scope. A chain's root name is
then resolved the way Python resolves it (local, enclosing functions skipping
class bodies, ``global`` / ``nonlocal``, module), and its bindings decide
what it is:

- ``import a.b as x`` / ``from a import b as x``: the qualified name;
- ``x = <dotted chain>`` (also ``x: T = ...``): whatever the chain resolves to,
  so ``losses = tf.contrib.losses`` and ``slim = tf.contrib.slim`` are followed;
- anything else (parameter, loop variable, ``def``, ``x = f()``, ``del`` ...):
  unknown.

The analysis is flow-insensitive and conservative: a name with several
bindings resolves to the set of what they give, and to nothing at all if one
of them is unknown. A rule rewrites a chain only when every spelling in the
set means the same legacy object (see :func:`._api.canonical`).

Why ``ast`` and not libcst's ``ScopeProvider``: on a 200-line module
``ast.parse`` plus this pass takes ~5 ms; libcst's parse plus scope metadata
takes ~120 ms, twenty times over the migration's speed budget. libcst is
used where it earns its cost: rebuilding the statements a rule restructures.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._api import (
    LOSSES,
    METRIC_LEARNING,
    METRIC_LEARNING_FUNCTIONS,
    TOP_LEVEL_NAMES,
    TRACKED_ROOTS,
    canonical,
)

__all__ = ["Analysis", "ImportSite", "Ref", "Scope", "analyze"]

_IMPORT, _ASSIGN, _OTHER = 0, 1, 2


@dataclass(eq=False)
class _Binding:
    kind: int
    path: str | None = None  # _IMPORT
    value: ast.expr | None = None  # _ASSIGN: the right-hand side ...
    scope: Scope | None = None  # ... and the scope it is evaluated in


@dataclass(eq=False)
class Scope:
    kind: str  # "module" | "class" | "function" | "comprehension"
    parent: Scope | None
    bindings: dict[str, list[_Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    star_imports: list[str | None] = field(default_factory=list)


@dataclass(eq=False)
class Ref:
    """A dotted chain read (or assigned) in the code, with its meaning.

    ``parts[0]`` is the root :class:`ast.Name`, ``parts[i]`` the
    :class:`ast.Attribute` ending at ``names[i]``; ``canon[i]`` is the
    canonical qualified name of ``parts[i]``, or None when unknown or when
    the name's bindings disagree.
    """

    parts: list[ast.expr]
    names: list[str]
    canon: list[str | None]
    roots: frozenset[str]
    scope: Scope
    store: bool
    call: ast.Call | None = None
    #: Set by the module-path rule when it replaced the legacy prefix.
    rewritten: bool = False

    @property
    def node(self) -> ast.expr:
        return self.parts[-1]

    @property
    def dotted(self) -> str:
        return ".".join(self.names)


@dataclass(eq=False)
class ImportSite:
    node: ast.Import | ast.ImportFrom
    scope: Scope


@dataclass(eq=False)
class Analysis:
    module: Scope
    refs: list[Ref]
    imports: list[ImportSite]
    #: ``id(node)`` -> :class:`Ref` for every chain's top node.
    ref_by_node: dict[int, Ref]


def _tracked(path: str) -> bool:
    return path.split(".", 1)[0] in TRACKED_ROOTS


# Fields holding nothing to look at (contexts, operators, strings).
_SKIP_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind", "names", "level"})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _reversed_fields(cls: type) -> tuple[str, ...]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = tuple(f for f in cls._fields if f not in _SKIP_FIELDS)  # type: ignore[attr-defined]
        fields = _FIELDS[cls] = fields[::-1]
    return fields


_Push = Callable[[tuple[ast.AST, Scope]], None]


class _Walker:
    """Builds scopes and bindings; collects chains and imports.

    An explicit stack instead of recursion (no recursion limit on deeply
    nested expressions, and fewer Python calls: this walk is most of the
    analysis time). Nodes are visited in source order (pre-order), so a
    ``global``/``nonlocal`` is seen before the bindings it redirects.
    """

    def __init__(self) -> None:
        self.module = Scope("module", None)
        #: (top node, root name, scope, stored-to) of every dotted chain read
        self.chains: list[tuple[ast.expr, ast.Name, Scope, bool]] = []
        self.calls: dict[int, ast.Call] = {}
        self.imports: list[ImportSite] = []
        #: Names with an import or assignment binding somewhere: no other
        #: name can resolve to anything (bar a star import).
        self.resolvable: set[str] = set()
        self._handlers: dict[type, Callable[[Any, Scope, _Push], None]] = {
            ast.Name: self._name,
            ast.Attribute: self._attribute,
            ast.Call: self._call,
            ast.Constant: _ignore,
            ast.FunctionDef: self._function,
            ast.AsyncFunctionDef: self._function,
            ast.Lambda: self._lambda,
            ast.ClassDef: self._class,
            ast.ListComp: self._comprehension,
            ast.SetComp: self._comprehension,
            ast.GeneratorExp: self._comprehension,
            ast.DictComp: self._comprehension,
            ast.Global: self._global,
            ast.Nonlocal: self._nonlocal,
            ast.Import: self._import,
            ast.ImportFrom: self._import_from,
            ast.Assign: self._assign,
            ast.AnnAssign: self._ann_assign,
            ast.NamedExpr: self._named_expr,
            ast.ExceptHandler: self._except_handler,
            ast.MatchAs: self._match_capture,
            ast.MatchStar: self._match_capture,
            ast.MatchMapping: self._match_mapping,
        }

    def walk(self, tree: ast.Module) -> None:
        stack: list[tuple[ast.AST, Scope]] = [(tree, self.module)]
        pop, push, handlers = stack.pop, stack.append, self._handlers
        while stack:
            node, scope = pop()
            handler = handlers.get(node.__class__)
            if handler is None:
                _push_children(node, scope, push)
            else:
                handler(node, scope, push)

    # -- bindings ---------------------------------------------------------

    def _bind(self, name: str, binding: _Binding, scope: Scope) -> None:
        if name in scope.globals:
            scope = self.module
        elif name in scope.nonlocals:
            outer = scope.parent
            while outer is not None and (outer.kind == "class" or name not in outer.bindings):
                outer = outer.parent
            scope = outer if outer is not None and outer.kind != "module" else scope
        scope.bindings.setdefault(name, []).append(binding)
        if binding.kind != _OTHER:
            self.resolvable.add(name)

    def _bind_other(self, name: str, scope: Scope) -> None:
        self._bind(name, _Binding(_OTHER), scope)

    def _new_scope(
        self, kind: str, outer: Scope, body: list[Any], params: ast.arguments | None, push: _Push
    ) -> None:
        scope = Scope(kind, outer)
        if params is not None:
            for a in (*params.posonlyargs, *params.args, *params.kwonlyargs):
                self._bind_other(a.arg, scope)
            for star in (params.vararg, params.kwarg):
                if star is not None:
                    self._bind_other(star.arg, scope)
        for n in reversed(body):
            push((n, scope))

    @staticmethod
    def _arguments(params: ast.arguments, scope: Scope, push: _Push) -> None:
        for d in (*params.defaults, *params.kw_defaults):
            if d is not None:
                push((d, scope))
        for a in (
            *params.posonlyargs,
            *params.args,
            *params.kwonlyargs,
            params.vararg,
            params.kwarg,
        ):
            if a is not None and a.annotation is not None:
                push((a.annotation, scope))

    def _function(self, node: ast.FunctionDef, scope: Scope, push: _Push) -> None:
        self._bind_other(node.name, scope)
        # The body is walked after (popped before) the decorators and defaults.
        self._new_scope("function", scope, node.body, node.args, push)
        self._arguments(node.args, scope, push)
        if node.returns is not None:
            push((node.returns, scope))
        for d in reversed(node.decorator_list):
            push((d, scope))

    def _lambda(self, node: ast.Lambda, scope: Scope, push: _Push) -> None:
        self._new_scope("function", scope, [node.body], node.args, push)
        self._arguments(node.args, scope, push)

    def _class(self, node: ast.ClassDef, scope: Scope, push: _Push) -> None:
        self._bind_other(node.name, scope)
        self._new_scope("class", scope, node.body, None, push)
        for n in reversed((*node.decorator_list, *node.bases, *node.keywords)):
            push((n, scope))

    def _comprehension(self, node: Any, scope: Scope, push: _Push) -> None:
        generators: list[ast.comprehension] = node.generators
        inner = Scope("comprehension", scope)
        elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for e in reversed(elts):
            push((e, inner))
        for i, gen in reversed(list(enumerate(generators))):
            for cond in reversed(gen.ifs):
                push((cond, inner))
            push((gen.target, inner))
            # The first iterable is evaluated in the enclosing scope.
            push((gen.iter, inner if i else scope))

    def _global(self, node: ast.Global, scope: Scope, push: _Push) -> None:
        scope.globals.update(node.names)

    def _nonlocal(self, node: ast.Nonlocal, scope: Scope, push: _Push) -> None:
        scope.nonlocals.update(node.names)

    def _import(self, node: ast.Import, scope: Scope, push: _Push) -> None:
        self.imports.append(ImportSite(node, scope))
        for alias in node.names:
            if alias.asname:
                self._bind(alias.asname, _Binding(_IMPORT, path=alias.name), scope)
            else:
                root = alias.name.split(".", 1)[0]
                self._bind(root, _Binding(_IMPORT, path=root), scope)

    def _import_from(self, node: ast.ImportFrom, scope: Scope, push: _Push) -> None:
        self.imports.append(ImportSite(node, scope))
        module = node.module if not node.level else None
        for alias in node.names:
            if alias.name == "*":
                scope.star_imports.append(module)
                continue
            path = f"{module}.{alias.name}" if module else None
            self._bind(alias.asname or alias.name, _Binding(_IMPORT, path=path), scope)

    def _assign(self, node: ast.Assign, scope: Scope, push: _Push) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._bind(target.id, _Binding(_ASSIGN, value=node.value, scope=scope), scope)
            else:
                push((target, scope))
        push((node.value, scope))

    def _ann_assign(self, node: ast.AnnAssign, scope: Scope, push: _Push) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self._bind(node.target.id, _Binding(_ASSIGN, value=node.value, scope=scope), scope)
        else:
            push((node.target, scope))
        if node.value is not None:
            push((node.value, scope))
        push((node.annotation, scope))

    def _named_expr(self, node: ast.NamedExpr, scope: Scope, push: _Push) -> None:
        target = scope
        while target.kind == "comprehension" and target.parent is not None:
            target = target.parent
        self._bind_other(node.target.id, target)
        push((node.value, scope))

    def _except_handler(self, node: ast.ExceptHandler, scope: Scope, push: _Push) -> None:
        if node.name:
            self._bind_other(node.name, scope)
        _push_children(node, scope, push)

    def _match_capture(self, node: Any, scope: Scope, push: _Push) -> None:
        if node.name:
            self._bind_other(node.name, scope)
        _push_children(node, scope, push)

    def _match_mapping(self, node: Any, scope: Scope, push: _Push) -> None:
        if node.rest:
            self._bind_other(node.rest, scope)
        _push_children(node, scope, push)

    # -- reads ------------------------------------------------------------

    def _name(self, node: ast.Name, scope: Scope, push: _Push) -> None:
        if node.ctx.__class__ is ast.Load:
            self.chains.append((node, node, scope, False))
        else:
            self._bind_other(node.id, scope)

    def _attribute(self, node: ast.Attribute, scope: Scope, push: _Push) -> None:
        cur: ast.expr = node.value
        while cur.__class__ is ast.Attribute:
            cur = cur.value  # type: ignore[attr-defined]
        if cur.__class__ is ast.Name:
            self.chains.append((node, cur, scope, node.ctx.__class__ is not ast.Load))  # type: ignore[arg-type]
        else:
            push((cur, scope))

    def _call(self, node: ast.Call, scope: Scope, push: _Push) -> None:
        self.calls[id(node.func)] = node
        _push_children(node, scope, push)


def _ignore(node: ast.AST, scope: Scope, push: _Push) -> None:
    pass


def _push_children(node: ast.AST, scope: Scope, push: _Push) -> None:
    # Pushed last to first, so they are popped in source order. Constants
    # hold nothing to look at: not pushed at all.
    for name in _reversed_fields(node.__class__):
        value = getattr(node, name, None)
        if value.__class__ is list:
            for child in reversed(value):
                if isinstance(child, ast.AST) and child.__class__ is not ast.Constant:
                    push((child, scope))
        elif isinstance(value, ast.AST) and value.__class__ is not ast.Constant:
            push((value, scope))


class _Resolver:
    """Name -> set of qualified names, following imports and aliases."""

    def __init__(self, module: Scope) -> None:
        self.module = module
        self._memo: dict[tuple[str, int], frozenset[str] | None] = {}
        self._active: dict[tuple[str, int], frozenset[str]] = {}
        self._by_read: dict[tuple[str, int], frozenset[str] | None] = {}

    def binding_scope(self, name: str, scope: Scope) -> Scope | None:
        if name in scope.globals:
            return self.module if name in self.module.bindings else None
        if name in scope.bindings and name not in scope.nonlocals:
            return scope
        parent = scope.parent
        while parent is not None:
            if parent.kind != "class":
                if name in parent.globals:
                    return self.module if name in self.module.bindings else None
                if name in parent.bindings:
                    return parent
            parent = parent.parent
        return None

    def name(self, name: str, scope: Scope) -> frozenset[str] | None:
        key = (name, id(scope))
        if key in self._by_read:
            return self._by_read[key]
        result = self._name(name, scope)
        if not self._active:
            self._by_read[key] = result
        return result

    def _name(self, name: str, scope: Scope) -> frozenset[str] | None:
        bscope = self.binding_scope(name, scope)
        if bscope is None:
            return self._star(name)
        key = (name, id(bscope))
        if key in self._memo:
            return self._memo[key]
        if key in self._active:  # a cycle (``tf = tf.compat.v1``): what is known so far
            return self._active[key]
        found: set[str] = set()
        self._active[key] = frozenset()
        ok = True
        for b in sorted(bscope.bindings[name], key=lambda b: b.kind):
            if b.kind == _IMPORT and b.path is not None:
                found.add(b.path)
            elif b.kind == _ASSIGN:
                got = self.expr(b.value, b.scope)  # type: ignore[arg-type]
                if got is None:
                    ok = False
                    break
                found |= got
            else:
                ok = False
                break
            self._active[key] = frozenset(found)
        del self._active[key]
        result = frozenset(found) if ok and found else None
        if not self._active:
            self._memo[key] = result
        return result

    def _star(self, name: str) -> frozenset[str] | None:
        """A name bound by nothing but the module's only ``import *``."""
        stars = self.module.star_imports
        if len(stars) != 1 or stars[0] is None:
            return None
        module = canonical(stars[0])
        if module == LOSSES and name in TOP_LEVEL_NAMES | METRIC_LEARNING_FUNCTIONS:
            return frozenset({f"{stars[0]}.{name}"})
        if module == METRIC_LEARNING and name in METRIC_LEARNING_FUNCTIONS:
            return frozenset({f"{stars[0]}.{name}"})
        return None

    def expr(self, node: ast.expr, scope: Scope) -> frozenset[str] | None:
        if isinstance(node, ast.Name):
            return self.name(node.id, scope)
        if isinstance(node, ast.Attribute):
            base = self.expr(node.value, scope)
            if base is None:
                return None
            return frozenset(f"{b}.{node.attr}" for b in base)
        return None


def analyze(tree: ast.Module) -> Analysis:
    """Resolves every chain whose root comes from a tracked package."""
    walker = _Walker()
    walker.walk(tree)
    resolver = _Resolver(walker.module)
    refs: list[Ref] = []
    by_node: dict[int, Ref] = {}
    resolve = resolver.name
    calls = walker.calls
    tracked: dict[frozenset[str], bool] = {}
    resolvable = None if walker.module.star_imports else walker.resolvable
    for top, root, scope, store in walker.chains:
        if resolvable is not None and root.id not in resolvable:
            continue  # bound by nothing but parameters, loops, defs ...: unknown
        roots = resolve(root.id, scope)
        if roots is None:
            continue
        is_tracked = tracked.get(roots)
        if is_tracked is None:
            is_tracked = tracked[roots] = any(_tracked(r) for r in roots)
        if not is_tracked:
            continue
        parts: list[ast.expr] = [top]
        while parts[-1] is not root:
            parts.append(parts[-1].value)  # type: ignore[attr-defined]
        parts.reverse()
        names = [root.id] + [p.attr for p in parts[1:]]  # type: ignore[attr-defined]
        canon = _meaning(roots, tuple(names))
        ref = Ref(parts, names, list(canon), roots, scope, store, calls.get(id(top)))
        refs.append(ref)
        by_node[id(top)] = ref
    return Analysis(walker.module, refs, walker.imports, by_node)


# The same chains (``tf.nn.relu``) come back again and again: their meaning
# depends only on what the root resolves to and on the names.
@functools.lru_cache(maxsize=8192)
def _meaning(roots: frozenset[str], names: tuple[str, ...]) -> tuple[str | None, ...]:
    """The canonical name of each prefix of the chain (None: ambiguous)."""
    canon: list[str | None] = []
    suffix = ""
    for i, name in enumerate(names):
        if i:
            suffix += "." + name
        spellings = {canonical(r + suffix) for r in roots}
        canon.append(spellings.pop() if len(spellings) == 1 else None)
    return tuple(canon)
