"""The contract's enums; values are stored in the table under the same names."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class Role(Enum):
    USER = "USER"
    MODERATOR = "MODERATOR"
    ADMIN = "ADMIN"


@strawberry.enum
class UserStatus(Enum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    SUSPENDED = "SUSPENDED"


@strawberry.enum
class PostStatus(Enum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


@strawberry.enum
class CommentStatus(Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    SPAM = "SPAM"
    REJECTED = "REJECTED"


@strawberry.enum
class OrderStatus(Enum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


@strawberry.enum
class SortOrder(Enum):
    NEWEST_FIRST = "NEWEST_FIRST"
    OLDEST_FIRST = "OLDEST_FIRST"


@strawberry.enum
class PriceOrder(Enum):
    LOWEST_FIRST = "LOWEST_FIRST"
    HIGHEST_FIRST = "HIGHEST_FIRST"
