"""The shop in the schema: products, orders and their lines, the inputs and the mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

import schema.accounts
import schema.reviews
from data.pages import page_args
from data.shop import OrderItemRecord, OrderRecord, ProductRecord
from resolvers import shop
from schema.connection import Connection
from schema.enums import OrderStatus
from schema.node import Info, Node, from_record
from schema.scalars import DateTime, Decimal

if TYPE_CHECKING:
    from schema.accounts import User
    from schema.reviews import RatingSummary, Review


@strawberry.type
class Product(Node):
    rec: strawberry.Private[ProductRecord]

    @classmethod
    def of(cls, rec: ProductRecord) -> Product:
        return from_record(cls, rec)

    name: str

    description: str | None

    category: str

    price: Decimal

    stock: int

    active: bool

    created_at: DateTime

    updated_at: DateTime

    version: int

    @strawberry.field(description="PUBLISHED reviews, newest first.")
    async def reviews(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated[Review, strawberry.lazy("schema.reviews")]]:
        args = page_args(first, after, last, before)
        return await schema.reviews.of_product(info, self.rec, args)

    @strawberry.field(
        description="Exact, from counters kept in the same transaction as every review write."
    )
    def rating(self) -> Annotated[RatingSummary, strawberry.lazy("schema.reviews")]:
        return schema.reviews.summary(self.rec)

    @strawberry.field(
        description=(
            "The viewer's own review of this product, whatever its status; "
            "null when anonymous or none."
        )
    )
    async def my_review(
        self, info: Info
    ) -> Annotated[Review, strawberry.lazy("schema.reviews")] | None:
        return await schema.reviews.mine(info, self.rec)


@strawberry.type
class OrderItem:
    rec: strawberry.Private[OrderItemRecord]

    @strawberry.field(description="Null when the product was deleted after the order.")
    async def product(self, info: Info) -> Product | None:
        found = await shop.item_product(info.context, self.rec)
        return Product.of(found) if found else None

    product_name: str = strawberry.field(
        description="Name and price as they were when the order was placed."
    )

    unit_price: Decimal

    quantity: int

    subtotal: Decimal

    @classmethod
    def of(cls, rec: OrderItemRecord) -> OrderItem:
        return from_record(cls, rec, subtotal=rec.unit_price * rec.quantity)


@strawberry.type
class Order(Node):
    rec: strawberry.Private[OrderRecord]

    @classmethod
    def of(cls, rec: OrderRecord) -> Order:
        return from_record(
            cls,
            rec,
            status=OrderStatus(rec.status),
        )

    status: OrderStatus

    total: Decimal

    shipping_address: str

    created_at: DateTime

    updated_at: DateTime

    version: int

    @strawberry.field
    async def customer(self, info: Info) -> Annotated[User, strawberry.lazy("schema.accounts")]:
        return schema.accounts.User.of(await shop.customer(info.context, self.rec))

    @strawberry.field
    async def items(self, info: Info) -> list[OrderItem]:
        return [OrderItem.of(i) for i in await shop.items(info.context, self.rec)]


@strawberry.input
class CreateProductInput:
    name: str
    description: str | None = None
    category: str
    price: Decimal
    stock: int


@strawberry.input
class UpdateProductInput:
    id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    description: str | None = None
    category: str | None = None
    price: Decimal | None = None
    active: bool | None = None


@strawberry.input
class OrderLineInput:
    product_id: strawberry.ID
    quantity: int


@strawberry.input
class PlaceOrderInput:
    lines: list[OrderLineInput]
    shipping_address: str


@strawberry.type
class ShopMutations:
    @strawberry.mutation(description="Admins only.")
    async def create_product(self, info: Info, input: CreateProductInput) -> Product:
        return Product.of(await shop.create_product(
            info.context, input.name, input.description, input.category,
            input.price, input.stock,
        ))

    @strawberry.mutation(description="Admins only.")
    async def update_product(self, info: Info, input: UpdateProductInput) -> Product:
        return Product.of(await shop.update_product(
            info.context, input.id, input.expected_version, input.name, input.description,
            input.category, input.price, input.active,
        ))

    @strawberry.mutation(
        description="Admins only. Fails with OUT_OF_STOCK where stock would fall below zero."
    )
    async def adjust_stock(self, info: Info, id: strawberry.ID, delta: int) -> Product:
        return Product.of(await shop.adjust_stock(info.context, id, delta))

    @strawberry.mutation(
        description="All or nothing: stock is taken for every line or for none "
        "(OUT_OF_STOCK names the product)."
    )
    async def place_order(self, info: Info, input: PlaceOrderInput) -> Order:
        lines = [(line.product_id, line.quantity) for line in input.lines]
        return Order.of(await shop.place_order(info.context, lines, input.shipping_address))

    @strawberry.mutation(
        description="Admins only; only forward moves "
        "(PENDING to PROCESSING to SHIPPED to DELIVERED)."
    )
    async def update_order_status(self, info: Info, id: strawberry.ID,
                                  status: OrderStatus) -> Order:
        return Order.of(await shop.update_order_status(info.context, id, status.value))

    @strawberry.mutation(
        description="The customer while PENDING, or an admin before SHIPPED; puts the stock back."
    )
    async def cancel_order(self, info: Info, id: strawberry.ID) -> Order:
        return Order.of(await shop.cancel_order(info.context, id))
