"""What an operation may cost, estimated from its document and variables before it runs.

The weights follow IBM's GraphQL cost directives (as Apollo Router's demand control
applies them) with the gateway's own list sizes:

- a field whose object is fetched by key (a Node: `Post.author`, `post(id:)`) or
  read by a query (a connection) costs 1; scalars, enums and `__typename` are free,
  and so are objects held inside their parent's item (`Profile`, `OrderItem`,
  `PageInfo`) and the items a connection's own query returned (`edges`, `node`,
  `nodes`, and the items of a list read by one query, `categories`);
- a connection multiplies what each of its items asks for by its page size
  (`first` or `last`, 20 when neither is given, at most 100: more is refused when
  it runs); `nodes(ids:)` by the number of ids; other lists by the most they can
  hold (`Post.tags`, `Order.items`) or, where nothing bounds them, 20;
- a mutation's root field costs 10: its write is a transaction, and its answer is
  read back;
- of the fragments on different object types of an abstract field, only the
  costliest counts: one object is only one of them.

The estimate bounds the DynamoDB calls from above: loaders coalesce what it
counts one by one into batches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_composite_type,
    is_list_type,
)
from graphql.utilities import get_operation_ast, value_from_ast_untyped

from data.pages import DEFAULT_PAGE, MAX_PAGE
from resolvers.nodes import MAX_NODES
from resolvers.posts import MAX_TAGS
from resolvers.shop import MAX_LINES

MUTATION_COST = 10
# A list nothing bounds (every category, a category's children) counts as a page.
UNBOUNDED_LIST = DEFAULT_PAGE
LIST_SIZES = {("Post", "tags"): MAX_TAGS, ("Order", "items"): MAX_LINES}
# Lists one query reads whole, as a connection reads a page.
QUERIED_LISTS = {("Query", "categories"), ("Category", "children")}


def estimate_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                  variables: Mapping[str, Any] | None) -> int:
    """The estimated cost of running `operation_name` of `document` with `variables`
    (0 when the document names no such operation: execution reports that)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            values[definition.variable.name.value] = value_from_ast_untyped(
                definition.default_value)
    values.update(variables or {})
    fragments = {definition.name.value: definition for definition in document.definitions
                 if isinstance(definition, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments, values)
    if operation.operation == OperationType.MUTATION:
        return sum(MUTATION_COST + walk.field(root, field) for field in
                   walk.fields(root, operation.selection_set))
    return walk.selections(root, operation.selection_set)


class _Walk:
    """One estimate: the schema, the document's fragments and the variables' values."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 values: dict[str, Any]) -> None:
        self.schema = schema
        self.fragments = fragments
        self.values = values

    def fields(self, parent: GraphQLCompositeType, selection_set: SelectionSetNode
               ) -> list[FieldNode]:
        """The root fields of a mutation, through its fragments."""
        found: list[FieldNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            else:
                inner = self._fragment(parent, selection)
                if inner is not None:
                    found += self.fields(parent, inner[1])
        return found

    def selections(self, parent: GraphQLCompositeType, selection_set: SelectionSetNode) -> int:
        """The cost of one object's selection: its fields, its fragments on its own type
        or an abstract one, and the costliest of its fragments on other object types."""
        common = 0
        alternatives: dict[str, int] = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                common += self.field(parent, selection)
                continue
            inner = self._fragment(parent, selection)
            if inner is None:
                continue
            condition, inner_set = inner
            cost = self.selections(condition, inner_set)
            if condition is parent or is_abstract_type(condition):
                common += cost
            else:
                alternatives[condition.name] = alternatives.get(condition.name, 0) + cost
        return common + max(alternatives.values(), default=0)

    def _fragment(self, parent: GraphQLCompositeType, selection: Any
                  ) -> tuple[GraphQLCompositeType, SelectionSetNode] | None:
        if isinstance(selection, InlineFragmentNode):
            condition, inner_set = selection.type_condition, selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = self.fragments.get(selection.name.value)
            if fragment is None:
                return None
            condition, inner_set = fragment.type_condition, fragment.selection_set
        else:
            return None
        named = self.schema.get_type(condition.name.value) if condition else parent
        return (named, inner_set) if is_composite_type(named) else None

    def field(self, parent: GraphQLCompositeType, node: FieldNode) -> int:
        """What one field costs, with everything under it."""
        name = node.name.value
        # Introspection and `__typename` are free; a union has no fields of its own.
        fields = {} if name.startswith("__") else getattr(parent, "fields", {})
        definition = fields.get(name)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if not is_composite_type(named) or node.selection_set is None:
            return 0
        children = self.selections(named, node.selection_set)
        if _is_connection(named.name):
            return 1 + self._page(node) * children
        weight = 0 if _is_connection(parent.name) or _is_edge(parent.name) else _weight(named)
        if is_list_type(get_nullable_type(definition.type)) and not _is_connection(parent.name):
            if (parent.name, name) in QUERIED_LISTS:
                return 1 + self._size(parent.name, node) * children
            return self._size(parent.name, node) * (weight + children)
        return weight + children

    def _page(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value in ("first", "last"):
                size = self._int(argument.value)
                if size is not None:
                    return max(0, min(size, MAX_PAGE))
        return DEFAULT_PAGE

    def _size(self, parent: str, node: FieldNode) -> int:
        if parent == "Query" and node.name.value == "nodes":
            for argument in node.arguments or ():
                if argument.name.value == "ids":
                    return min(self._length(argument.value), MAX_NODES)
        return LIST_SIZES.get((parent, node.name.value), UNBOUNDED_LIST)

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.values.get(node.name.value)
        return value_from_ast_untyped(node, self.values)

    def _int(self, node: ValueNode) -> int | None:
        if isinstance(node, IntValueNode):
            return int(node.value)
        value = self._value(node)
        # A value that is not a whole number is refused when the operation runs.
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _length(self, node: ValueNode) -> int:
        if isinstance(node, ListValueNode):
            return len(node.values)
        value = self._value(node)
        # One value where a list is expected is coerced into a list of one.
        return len(value) if isinstance(value, list) else 1


def _is_connection(name: str) -> bool:
    return name.endswith("Connection")


def _is_edge(name: str) -> bool:
    return name.endswith("Edge")


def _weight(named: Any) -> int:
    """1 for an object fetched on its own (a Node), 0 for one held in its parent's item."""
    if named.name == "Node":
        return 1
    interfaces = getattr(named, "interfaces", ())
    return 1 if any(interface.name == "Node" for interface in interfaces) else 0
