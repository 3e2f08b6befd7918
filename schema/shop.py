"""Shop inputs and mutations: products, stock and orders."""

from __future__ import annotations

import strawberry

from resolvers import shop_writes
from schema.enums import OrderStatus
from schema.scalars import Decimal
from schema.types import Info, Order, Product


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
        return Product.of(await shop_writes.create_product(
            info.context, input.name, input.description, input.category,
            input.price, input.stock,
        ))

    @strawberry.mutation(description="Admins only.")
    async def update_product(self, info: Info, input: UpdateProductInput) -> Product:
        return Product.of(await shop_writes.update_product(
            info.context, input.id, input.expected_version, input.name, input.description,
            input.category, input.price, input.active,
        ))

    @strawberry.mutation(
        description="Admins only. Fails with OUT_OF_STOCK where stock would fall below zero."
    )
    async def adjust_stock(self, info: Info, id: strawberry.ID, delta: int) -> Product:
        return Product.of(await shop_writes.adjust_stock(info.context, id, delta))

    @strawberry.mutation(
        description="All or nothing: stock is taken for every line or for none "
        "(OUT_OF_STOCK names the product)."
    )
    async def place_order(self, info: Info, input: PlaceOrderInput) -> Order:
        lines = [(line.product_id, line.quantity) for line in input.lines]
        return Order.of(await shop_writes.place_order(info.context, lines, input.shipping_address))

    @strawberry.mutation(
        description="Admins only; only forward moves "
        "(PENDING to PROCESSING to SHIPPED to DELIVERED)."
    )
    async def update_order_status(self, info: Info, id: strawberry.ID,
                                  status: OrderStatus) -> Order:
        return Order.of(await shop_writes.update_order_status(info.context, id, status.value))

    @strawberry.mutation(
        description="The customer while PENDING, or an admin before SHIPPED; puts the stock back."
    )
    async def cancel_order(self, info: Info, id: strawberry.ID) -> Order:
        return Order.of(await shop_writes.cancel_order(info.context, id))
