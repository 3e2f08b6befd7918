"""The demo data set: deterministic, written through the data layer with BatchWriteItem.

Every ID, name and number comes from one generator seeded by the scale, and
every timestamp from a fixed base time, so seeding twice writes the same items.
Only the sessions depend on the clock, because a demo token has to be live when
the data is seeded. Counters (commentCount, replyCount, likeCount, postCount, the
products' rating counters, the customers' Purchase counts) are computed from the
items written beside them.

`prepare` is what `tablegate dev` and `tablegate seed` run: it seeds only when
none of the demo data's items exists (a new table, or one it has just deleted,
on `--reset`), so a seed never overwrites an item. Puts over a table in use would
set counters and stock back while the comments and orders that changed them
stay. Over existing demo data it only re-issues the demo logins, renewing the
demo sessions that have expired.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from data import keys
from data.accounts import ProfileRecord, SessionRecord, SocialLinkRecord, UserRecord
from data.catalog import CategoryRecord, TagRecord
from data.client import BATCH_WRITE_MAX, Dynamo, Item, Key
from data.clock import iso, now, parse_iso
from data.comments import CommentRecord
from data.passwords import hash_password
from data.posts import PostRecord
from data.reviews import PUBLISHED, ReviewRecord
from data.shop import OrderItemRecord, OrderRecord, ProductRecord, PurchaseRecord
from data.table import create_table, delete_table, describe_table
from data.tokens import token_hash
from data.ulid import new_ulid

PASSWORD = "tablegate-demo"
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Per unit of scale.
USERS = 10
POSTS = 40
PRODUCTS = 30
# Concurrent BatchWriteItem streams: enough to keep the engine busy on two cores.
WRITERS = 4
PROLIFIC_AUTHOR = 2  # writes every third post, so author pages have a second page
ADMIN_EMAIL = "admin@example.com"
# A demo session this close to expiry is renewed at start, so a printed token stays good
# for at least this long.
SESSION_MARGIN = timedelta(days=1)
# The scales `prepare` recognises in a seeded table (by its admin's ID).
MAX_SCALE = 1000

# (handle, firstName, lastName); empty and missing names exercise displayName's fallback.
ROSTER: tuple[tuple[str, str | None, str | None], ...] = (
    ("avery", "Avery", "Stone"),
    ("maya", "Maya", "Reyes"),
    ("ada", "Ada", "Lovelace"),
    ("grace", "Grace", "Hopper"),
    ("alan", "Alan", "Turing"),
    ("edsger", "Edsger", "Dijkstra"),
    ("barbara", "Barbara", ""),
    ("ken", "", ""),
    ("linus", None, None),
    ("margaret", "Margaret", "Hamilton"),
)
BIOS = (
    "Writes about databases and the people who run them.",
    "Backend engineer; likes small functions and big tables.",
    "Designs APIs for a living and typefaces for fun.",
    "Ex-sysadmin, now mostly Python.",
    "Keeps a garden and a pager; only one of them wakes her up.",
)
LOCATIONS = ("Lisbon", "Toronto", "Nairobi", "Osaka", "Berlin", "Austin", "Melbourne")
# (name, slug, parent slug, sortOrder, color, icon)
CATEGORIES: tuple[tuple[str, str, str | None, int, str, str], ...] = (
    ("Engineering", "engineering", None, 10, "#2563eb", "cpu"),
    ("Design", "design", None, 20, "#db2777", "palette"),
    ("Culture", "culture", None, 30, "#16a34a", "users"),
    ("Databases", "databases", "engineering", 10, "#1d4ed8", "database"),
    ("Frontend", "frontend", "engineering", 20, "#0891b2", "layout"),
    ("Typography", "typography", "design", 10, "#be185d", "type"),
)
TAGS: tuple[tuple[str, str, str], ...] = (
    ("Python", "python", "#3776ab"),
    ("DynamoDB", "dynamodb", "#4053d6"),
    ("GraphQL", "graphql", "#e10098"),
    ("Performance", "performance", "#f59e0b"),
    ("Testing", "testing", "#10b981"),
    ("Security", "security", "#ef4444"),
    ("UX", "ux", "#8b5cf6"),
    ("Accessibility", "accessibility", "#0ea5e9"),
    ("Career", "career", "#64748b"),
    ("Open Source", "open-source", "#22c55e"),
)
TITLE_FORMS = (
    "Notes on {}",
    "A field guide to {}",
    "What I learned shipping {}",
    "{} in practice",
    "Debugging {} at 3 a.m.",
    "Why {} matters",
    "{} without the hype",
    "Testing {} for real",
    "{}: the missing manual",
    "Ten mistakes with {}",
)
TOPICS = (
    "DynamoDB",
    "GraphQL",
    "Python",
    "asyncio",
    "single-table design",
    "DataLoaders",
    "argon2",
    "Starlette",
    "ULIDs",
    "cursor pagination",
    "TTL",
    "change streams",
)
SENTENCES = (
    "Access patterns come first; the table follows.",
    "Every list is a Query, and every Query has a key.",
    "We measured before we optimised, and were surprised.",
    "The fastest request is the one that never leaves the process.",
    "Round trips, not items, decide the latency of a page.",
    "A cursor is a promise about where the next page begins.",
    "Counters drift unless they change in the same transaction as the facts.",
    "Small, boring functions are easy to test and easy to delete.",
)
COMMENT_LINES = (
    "Great write-up, thanks!",
    "This saved me an afternoon.",
    "How does this scale past 10k?",
    "I disagree with the second point, but well argued.",
    "Could you share the benchmark code?",
    "Bookmarked.",
    "We hit exactly this in production last week.",
    "Typo in the third paragraph.",
    "BUY CHEAP WATCHES NOW",
    "What about hot partitions?",
)
PRODUCT_NAMES: dict[str, tuple[str, ...]] = {
    "books": (
        "The Single-Table Handbook",
        "GraphQL in Depth",
        "Async Python",
        "Designing Data Systems",
        "The Pragmatic Gardener",
        "Typefaces Explained",
        "Queues and Streams",
        "Clean Schemas",
        "The Art of Pagination",
        "Indexes Demystified",
    ),
    "games": (
        "Partition Panic",
        "Hot Key Havoc",
        "Ticket to Shard",
        "Cursor Quest",
        "Stream Runner",
        "Capacity Units",
        "The Lock Item",
        "Backoff!",
        "Query Depth",
        "Eventual",
    ),
    "garden": (
        "Trowel",
        "Watering Can",
        "Seed Tray",
        "Pruning Shears",
        "Compost Bin",
        "Garden Twine",
        "Kneeling Pad",
        "Rain Gauge",
        "Plant Labels",
        "Hand Rake",
    ),
}
STREETS = ("Elm Street", "Harbour Road", "Mill Lane", "Station Avenue", "Orchard Way")
CITIES = ("Springfield", "Riverton", "Lakeside", "Hillcrest", "Fairview")
ORDER_STATUSES = ("PENDING", "PROCESSING", "SHIPPED", "DELIVERED", "CANCELLED")
# Updates an order has been through to reach its status (its version minus one).
_ORDER_UPDATES = {"PENDING": 0, "PROCESSING": 1, "SHIPPED": 2, "DELIVERED": 3, "CANCELLED": 1}
# The share of (customer, product) pairs with an order that is not CANCELLED that got a
# review, the share of reviews a moderator hid, and how often each rating was given.
REVIEWED = 0.6
HIDDEN_REVIEWS = 0.15
RATING_WEIGHTS = (1, 1, 3, 6, 7)
# Titles by rating, 1 star first: a demo review's title agrees with its stars.
REVIEW_TITLES = (
    ("Not for me", "Broke in a week"),
    ("Arrived late, works fine", "I expected more"),
    ("Does the job", "Fine for the price"),
    ("Solid value", "Exactly as described"),
    ("Would buy again", "A gift that landed well", "Better than expected"),
)
REVIEW_LINES = (
    "Well made and sensibly packed.",
    "It took a week to arrive, but it was worth the wait.",
    "The description undersells it.",
    "I expected a little more for the price.",
    "My second one; the first is still going strong.",
    "Instructions could be clearer.",
    "Recommended by a friend, and now by me.",
)


def demo_token(user_id: str, index: int) -> str:
    """The bearer token of demo user `index`: fixed, so demo logins survive a reseed."""
    digest = hashlib.sha256(f"tablegate-demo-session-{index}".encode()).hexdigest()
    return f"{user_id}.demo-{digest[:40]}"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _generator(scale: int) -> random.Random:
    return random.Random(f"tablegate-{scale}")


def seeded_scale(admin_id: str) -> int | None:
    """The scale whose demo admin has the ID `admin_id`, if any up to MAX_SCALE.

    The admin's ID is the generator's first draw, so this costs no build.
    """
    for scale in range(1, MAX_SCALE + 1):
        if new_ulid(_ms(BASE_TIME), _generator(scale).randbytes(10)) == admin_id:
            return scale
    return None


@dataclass
class _User:
    record: UserRecord
    handle: str
    token: str


@dataclass
class Demo:
    """The items of one demo data set and what its summary reports.

    `items` holds everything but the users' own items, which wait for the
    password hashes (`user_items`): the rest is written while argon2 runs.
    """

    items: list[Item] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    users: list[_User] = field(default_factory=list)
    sessions: list[Item] = field(default_factory=list)
    posts: list[PostRecord] = field(default_factory=list)
    products: list[ProductRecord] = field(default_factory=list)
    tags: list[TagRecord] = field(default_factory=list)
    reviews: list[ReviewRecord] = field(default_factory=list)

    def add(self, kind: str, *items: Item) -> None:
        self.items.extend(items)
        self.counts[kind] += 1

    def user_items(self, password_hashes: Sequence[str]) -> list[Item]:
        """The User items, one password hash per user, in user order."""
        if len(password_hashes) != len(self.users):
            raise ValueError(f"expected {len(self.users)} password hashes")
        return [
            {**u.record.to_item(), "passwordHash": h}
            for u, h in zip(self.users, password_hashes, strict=True)
        ]

    def summary(self) -> dict[str, Any]:
        """The counts, login lines, users, posts and products, as `seed` returns them."""
        counts = {
            kind: self.counts[kind]
            for kind in (
                "users",
                "sessions",
                "categories",
                "tags",
                "posts",
                "comments",
                "replies",
                "likes",
                "products",
                "orders",
                "order_items",
                "purchases",
                "reviews",
            )
        }
        counts["items"] = len(self.items) + len(self.users)
        return {
            "counts": counts,
            "logins": login_lines([(u.record.email, u.record.role, u.token) for u in self.users]),
            "users": [
                {
                    "userId": u.record.user_id,
                    "email": u.record.email,
                    "role": u.record.role,
                    "token": u.token,
                    "password": PASSWORD,
                }
                for u in self.users
            ],
            "posts": [
                {
                    "postId": p.post_id,
                    "slug": p.slug,
                    "status": p.status,
                    "authorId": p.author_id,
                    "commentCount": p.comment_count,
                }
                for p in self.posts
            ],
            "tags": [
                {"tagId": t.tag_id, "slug": t.slug, "postCount": t.post_count} for t in self.tags
            ],
            "products": [
                {
                    "productId": p.product_id,
                    "category": p.category,
                    "active": p.active,
                    "stock": p.stock,
                }
                for p in self.products
            ],
            "reviews": [
                {
                    "productId": r.product_id,
                    "userId": r.user_id,
                    "rating": r.rating,
                    "status": r.status,
                }
                for r in self.reviews
            ],
            "password": PASSWORD,
        }


class _Builder:
    """Builds the data set in dependency order: users, taxonomy, products, posts, orders,
    reviews."""

    def __init__(self, scale: int, shards: int) -> None:
        self.scale = scale
        self.shards = shards
        # The users' IDs are its first draws: `seeded_scale` relies on that.
        self.rng = _generator(scale)
        self.demo = Demo()
        self.category_ids: list[str] = []
        self.tag_ids: list[str] = []
        # (customer, product) → orders that are not CANCELLED, and when the first was placed.
        self.bought: Counter[tuple[str, str]] = Counter()
        self.first_bought: dict[tuple[str, str], datetime] = {}

    def ulid(self, moment: datetime) -> str:
        """An ID whose time part is `moment`, the entity's createdAt."""
        return new_ulid(_ms(moment), self.rng.randbytes(10))

    # ------------------------------------------------------------ users

    def users(self) -> None:
        for index in range(USERS * self.scale):
            handle, first, last = ROSTER[index % len(ROSTER)]
            created = BASE_TIME + timedelta(minutes=90 * index)
            user = UserRecord(
                user_id=self.ulid(created),
                email=self._email(index, handle),
                first_name=first,
                last_name=last,
                role="ADMIN" if index == 0 else "MODERATOR" if index == 1 else "USER",
                status="ACTIVE",
                email_verified=index % 5 != 4,
                last_login_at=None,
                login_count=0,
                created_at=iso(created),
                updated_at=iso(created),
                version=1,
            )
            if self.rng.random() < 0.7:
                user.login_count = self.rng.randint(1, 40)
                user.last_login_at = iso(created + timedelta(days=self.rng.randint(1, 30)))
            self.demo.users.append(_User(user, handle, demo_token(user.user_id, index)))
            self.demo.add(
                "users",
                self._profile(user, handle).to_item(),
                {
                    **keys.email_lock(user.email),
                    "entityType": "EMAIL_LOCK",
                    "userId": user.user_id,
                    "createdAt": user.created_at,
                },
            )

    @staticmethod
    def _email(index: int, handle: str) -> str:
        if index == 0:
            return "admin@example.com"
        if index == 1:
            return "moderator@example.com"
        suffix = "" if index < len(ROSTER) else str(index // len(ROSTER) + 1)
        return f"{handle}{suffix}@example.com"

    def _profile(self, user: UserRecord, handle: str) -> ProfileRecord:
        links = [
            SocialLinkRecord(name="GitHub", url=f"https://github.com/{handle}"),
            SocialLinkRecord(name="Mastodon", url=f"https://mastodon.example/@{handle}"),
            SocialLinkRecord(name="LinkedIn", url=f"https://linkedin.example/in/{handle}"),
        ]
        return ProfileRecord(
            user_id=user.user_id,
            bio=self.rng.choice(BIOS),
            avatar_url=f"https://avatars.example.com/{handle}.png",
            website=f"https://{handle}.example.dev" if self.rng.random() < 0.6 else None,
            location=self.rng.choice(LOCATIONS),
            social_links=links[: self.rng.randint(0, len(links))],
            created_at=user.created_at,
            updated_at=user.created_at,
        )

    def sessions(self, moment: datetime, ttl_seconds: int) -> None:
        """One live session per user; the only items that depend on the clock."""
        expires = moment + timedelta(seconds=ttl_seconds)
        for user in self.demo.users:
            session = SessionRecord(
                session_id=self.ulid(moment),
                user_id=user.record.user_id,
                token_hash=token_hash(user.token),
                user_agent="tablegate-seed",
                created_at=iso(moment),
                updated_at=iso(moment),
                expires_at=iso(expires),
                ttl=int(expires.timestamp()),
            )
            self.demo.sessions.append(session.to_item())
            self.demo.add("sessions", self.demo.sessions[-1])

    # ------------------------------------------------------------ taxonomy

    def categories(self, start: datetime) -> None:
        by_slug: dict[str, str] = {}
        for index, (name, slug, parent, order, color, icon) in enumerate(CATEGORIES):
            created = start + timedelta(minutes=5 * index)
            category = CategoryRecord(
                category_id=self.ulid(created),
                parent_id=by_slug[parent] if parent else None,
                name=name,
                slug=slug,
                description=f"Posts about {name.lower()}.",
                color=color,
                icon=icon,
                sort_order=order,
                created_at=iso(created),
                updated_at=iso(created),
                version=1,
            )
            by_slug[slug] = category.category_id
            self.category_ids.append(category.category_id)
            self.demo.add(
                "categories",
                category.to_item(),
                {
                    **keys.category_slug_lock(slug),
                    "entityType": "CATEGORY_SLUG_LOCK",
                    "categoryId": category.category_id,
                    "createdAt": category.created_at,
                },
            )

    def tags(self, start: datetime, published: Sequence[PostRecord]) -> None:
        """The tags, with postCount = the published posts that carry each one."""
        carried = Counter(tid for post in published for tid in post.tag_ids)
        for index, tag_id in enumerate(self.tag_ids):
            name, slug, color = TAGS[index]
            created = start + timedelta(minutes=5 * index)
            tag = TagRecord(
                tag_id=tag_id,
                name=name,
                slug=slug,
                description=f"Everything {name}.",
                color=color,
                post_count=carried[tag_id],
                created_at=iso(created),
                updated_at=iso(created),
                version=1,
            )
            self.demo.tags.append(tag)
            self.demo.add(
                "tags",
                tag.to_item(),
                {
                    **keys.tag_slug_lock(slug),
                    "entityType": "TAG_SLUG_LOCK",
                    "tagId": tag_id,
                    "createdAt": tag.created_at,
                },
            )

    def reserve_tag_ids(self, start: datetime) -> None:
        """Tag IDs come first: posts carry them, and a tag's postCount needs the posts."""
        self.tag_ids = [self.ulid(start + timedelta(minutes=5 * i)) for i in range(len(TAGS))]

    # ------------------------------------------------------------ products and orders

    def products(self, start: datetime) -> None:
        """The product records; their items wait for the reviews (`product_items`)."""
        categories = list(PRODUCT_NAMES)
        for index in range(PRODUCTS * self.scale):
            category = categories[index % len(categories)]
            names = PRODUCT_NAMES[category]
            base = names[(index // len(categories)) % len(names)]
            edition = index // PRODUCTS
            created = start + timedelta(minutes=20 * index)
            product = ProductRecord(
                product_id=self.ulid(created),
                name=f"{base} #{edition + 1}" if edition else base,
                description=f"{base}: a {category} staple.",
                category=category,
                price=Decimal(self.rng.randint(299, 8999)).scaleb(-2),
                stock=self.rng.randint(0, 50),
                active=index % 10 != 9,
                created_at=iso(created),
                updated_at=iso(created),
                version=1,
            )
            self.demo.products.append(product)

    def product_items(self) -> None:
        """The products' items, once the reviews have set their rating counters."""
        for product in self.demo.products:
            self.demo.add("products", product.to_item())

    def orders(self, start: datetime) -> None:
        active = [p for p in self.demo.products if p.active]
        moment = start
        for index, user in enumerate(self.demo.users):
            if user.record.role == "ADMIN":
                continue
            count = 4 if index == PROLIFIC_AUTHOR else self.rng.randint(1, 4)
            for _ in range(count):
                moment += timedelta(minutes=self.rng.randint(30, 240))
                self._order(user, moment, self.rng.sample(active, self.rng.randint(1, 3)))

    def _order(self, user: _User, created: datetime, products: Sequence[ProductRecord]) -> None:
        order_id = self.ulid(created)
        lines = [
            OrderItemRecord(
                order_id=order_id,
                line=line,
                product_id=product.product_id,
                product_name=product.name,
                unit_price=product.price,
                quantity=self.rng.randint(1, 3),
                created_at=iso(created),
            )
            for line, product in enumerate(products, start=1)
        ]
        status = self.rng.choice(ORDER_STATUSES)
        updates = _ORDER_UPDATES[status]
        number = self.rng.randint(1, 200)
        order = OrderRecord(
            order_id=order_id,
            user_id=user.record.user_id,
            status=status,
            total=sum((line.unit_price * line.quantity for line in lines), Decimal("0.00")),
            shipping_address=(f"{number} {self.rng.choice(STREETS)}, {self.rng.choice(CITIES)}"),
            line_count=len(lines),
            created_at=iso(created),
            updated_at=iso(created + timedelta(days=updates)),
            version=1 + updates,
        )
        self.demo.add("orders", order.to_item())
        for line in lines:
            self.demo.add("order_items", line.to_item())
            if status != "CANCELLED":
                bought = (order.user_id, line.product_id)
                self.bought[bought] += 1
                self.first_bought.setdefault(bought, created)

    def reviews(self) -> None:
        """A Purchase item for every (customer, product) with an order that is not
        CANCELLED, a review of some of them, and the products' rating counters that
        count the PUBLISHED ones."""
        for (user_id, product_id), orders in self.bought.items():
            self.demo.add(
                "purchases",
                PurchaseRecord(user_id=user_id, product_id=product_id, orders=orders).to_item(),
            )
            if self.rng.random() >= REVIEWED:
                continue
            created = self.first_bought[(user_id, product_id)] + timedelta(
                days=self.rng.randint(2, 30), minutes=self.rng.randint(0, 1439)
            )
            review_id = self.ulid(created)
            rating = self.rng.choices(range(1, 6), RATING_WEIGHTS)[0]
            review = ReviewRecord(
                review_id=review_id,
                product_id=product_id,
                user_id=user_id,
                rating=rating,
                title=self.rng.choice(REVIEW_TITLES[rating - 1]),
                body=" ".join(self.rng.sample(REVIEW_LINES, self.rng.randint(1, 3))),
                status="HIDDEN" if self.rng.random() < HIDDEN_REVIEWS else PUBLISHED,
                created_at=iso(created),
                updated_at=iso(created),
                version=1,
            )
            self.demo.reviews.append(review)
            self.demo.add("reviews", review.to_item())
        for product in self.demo.products:
            ratings = [
                r.rating for r in self.demo.reviews
                if r.product_id == product.product_id and r.published
            ]
            stars = Counter(ratings)
            product.rating_count, product.rating_sum = len(ratings), sum(ratings)
            (product.rating1, product.rating2, product.rating3, product.rating4,
             product.rating5) = (stars[n] for n in range(1, 6))

    # ------------------------------------------------------------ posts

    def posts(self, start: datetime) -> list[PostRecord]:
        """The posts with their slug locks, tag links, likes and comments; published ones."""
        taken: set[str] = set()
        published: list[PostRecord] = []
        users = [u.record for u in self.demo.users]
        for index in range(POSTS * self.scale):
            created = start + timedelta(hours=5 * index)
            author = users[PROLIFIC_AUTHOR] if index % 3 == 0 else self.rng.choice(users)
            post = self._post(index, created, author.user_id, taken)
            links = [post.tag_link_item(tid) for tid in post.tag_ids]
            extra = self._likes(post, users) + self._comments(post, users)
            self.demo.posts.append(post)
            self.demo.add(
                "posts",
                post.to_item(shards=self.shards),
                *links,
                {
                    **keys.slug_lock(post.slug),
                    "entityType": "SLUG_LOCK",
                    "postId": post.post_id,
                    "createdAt": post.created_at,
                },
                *extra,
            )
            if post.status == "PUBLISHED":
                published.append(post)
        return published

    def _post(self, index: int, created: datetime, author_id: str, taken: set[str]) -> PostRecord:
        # 30 of every 40 posts are published, 5 drafts, 5 archived.
        status = {5: "DRAFT", 7: "ARCHIVED"}.get(index % 8, "PUBLISHED")
        title = self.rng.choice(TITLE_FORMS).format(self.rng.choice(TOPICS))
        slug = base = keys.slugify(title)[: keys.SLUG_MAX - 10].rstrip("-")
        suffix = 1
        while slug in taken:
            suffix += 1
            slug = f"{base}-{suffix}"
        taken.add(slug)
        body = [self.rng.choice(SENTENCES) for _ in range(self.rng.randint(6, 14))]
        published_at = (
            created + timedelta(minutes=self.rng.randint(10, 240)) if status != "DRAFT" else None
        )
        # Archived posts were published first, then archived a week later.
        updated = (
            published_at + timedelta(days=7)
            if status == "ARCHIVED" and published_at
            else published_at or created
        )
        return PostRecord(
            post_id=self.ulid(created),
            author_id=author_id,
            category_id=self.rng.choice(self.category_ids),
            tag_ids=self.rng.sample(self.tag_ids, self.rng.randint(1, 3)),
            title=title,
            slug=slug,
            excerpt=body[0],
            content="\n\n".join(" ".join(body[i : i + 3]) for i in range(0, len(body), 3)),
            featured_image=(
                f"https://images.example.com/posts/{slug}.jpg" if self.rng.random() < 0.5 else None
            ),
            status=status,
            published_at=iso(published_at) if published_at else None,
            view_count=0,
            like_count=0,
            comment_count=0,
            created_at=iso(created),
            updated_at=iso(updated),
            version=2 if status == "ARCHIVED" else 1,
        )

    def _likes(self, post: PostRecord, users: Sequence[UserRecord]) -> list[Item]:
        if post.status != "PUBLISHED" or post.published_at is None:
            return []
        published = parse_iso(post.published_at)
        likers = self.rng.sample(list(users), self.rng.randint(0, min(8, len(users))))
        post.like_count = len(likers)
        post.view_count = len(likers) * self.rng.randint(5, 40) + self.rng.randint(0, 300)
        self.demo.counts["likes"] += len(likers)
        return [
            {
                **keys.like(post.post_id, liker.user_id),
                "entityType": "LIKE",
                "postId": post.post_id,
                "userId": liker.user_id,
                "createdAt": iso(published + timedelta(minutes=self.rng.randint(1, 2000))),
            }
            for liker in likers
        ]

    def _comments(self, post: PostRecord, users: Sequence[UserRecord]) -> list[Item]:
        """3-6 top-level comments on a published post, some with replies; counters set."""
        if post.status != "PUBLISHED" or post.published_at is None:
            return []
        items: list[Item] = []
        moment = parse_iso(post.published_at)
        for _ in range(self.rng.randint(3, 6)):
            moment += timedelta(minutes=self.rng.randint(5, 180))
            comment = self._comment(post, moment, users, None)
            if comment.status == "APPROVED" and self.rng.random() < 0.4:
                reply_at = moment
                for _ in range(self.rng.randint(1, 3)):
                    reply_at += timedelta(minutes=self.rng.randint(3, 120))
                    reply = self._comment(post, reply_at, users, comment.comment_id)
                    comment.reply_count += reply.status == "APPROVED"
                    items.append(reply.to_item())
            items.append(comment.to_item())
        return items

    def _comment(
        self,
        post: PostRecord,
        created: datetime,
        users: Sequence[UserRecord],
        parent_id: str | None,
    ) -> CommentRecord:
        roll = self.rng.random()
        if parent_id:
            status = "APPROVED" if roll < 0.9 else "PENDING"
        else:
            status = (
                "APPROVED"
                if roll < 0.82
                else "PENDING"
                if roll < 0.88
                else "SPAM"
                if roll < 0.94
                else "REJECTED"
            )
        post.comment_count += status == "APPROVED"
        self.demo.counts["comments"] += 1
        self.demo.counts["replies"] += parent_id is not None
        return CommentRecord(
            comment_id=self.ulid(created),
            post_id=post.post_id,
            author_id=self.rng.choice(list(users)).user_id,
            parent_id=parent_id,
            content=self.rng.choice(COMMENT_LINES),
            status=status,
            like_count=0,
            reply_count=0,
            created_at=iso(created),
            updated_at=iso(created),
            version=1,
        )


def build(scale: int, moment: datetime, shards: int, session_ttl_seconds: int) -> Demo:
    """The demo data set for `scale`, its sessions live at `moment`."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    builder = _Builder(scale, shards)
    builder.users()
    taxonomy = BASE_TIME + timedelta(minutes=90 * USERS * scale)
    builder.categories(taxonomy)
    builder.reserve_tag_ids(taxonomy + timedelta(hours=1))
    products = taxonomy + timedelta(hours=2)
    builder.products(products)
    posts = products + timedelta(minutes=20 * PRODUCTS * scale, days=1)
    published = builder.posts(posts)
    builder.tags(taxonomy + timedelta(hours=1), published)
    builder.orders(posts)
    builder.reviews()
    builder.product_items()
    # Last, so the clock cannot shift the generator's sequence for everything else.
    builder.sessions(moment, session_ttl_seconds)
    return builder.demo


async def _write(dynamo: Dynamo, items: Sequence[Item]) -> None:
    batches = iter([items[i : i + BATCH_WRITE_MAX] for i in range(0, len(items), BATCH_WRITE_MAX)])

    async def writer() -> None:
        # The writers share one iterator, so each batch is written exactly once.
        for batch in batches:
            await dynamo.batch_write(batch)

    await asyncio.gather(*(writer() for _ in range(WRITERS)))


def login_lines(users: Sequence[tuple[str, str, str]]) -> list[str]:
    """Printable lines for (email, role, token) triples: the first USERS, then a count."""
    lines = [f"{email} / {PASSWORD}  ({role})  token: {token}" for email, role, token in users]
    if len(lines) > USERS:
        lines[USERS:] = [f"... and {len(lines) - USERS} more users, password {PASSWORD}"]
    return lines


async def seed(dynamo: Dynamo, scale: int) -> dict[str, Any]:
    """Write the demo data set for `scale` and return its summary.

    The summary holds `counts` (`comments` counts replies too), `logins`
    (printable lines), `users` (userId, email, role, token, password, in
    creation order: admin, moderator, then users), `posts`, `tags` and
    `products` (raw IDs and what a client needs to find them), and `password`.
    """
    demo = build(scale, now(), dynamo.settings.feed_shards, dynamo.settings.session_ttl_seconds)
    await _write_demo(dynamo, demo)
    return demo.summary()


async def _write_demo(dynamo: Dynamo, demo: Demo) -> None:
    async def users() -> None:
        # Every demo user has the same, published password: one argon2 hash (~0.25 s of
        # CPU) serves them all, where one each cost ~2.5 s a seed.
        password_hash = await hash_password(PASSWORD)
        await _write(dynamo, demo.user_items([password_hash] * len(demo.users)))

    # Hashing is most of the work: the other items are written meanwhile.
    await asyncio.gather(_write(dynamo, demo.items), users())


@dataclass(frozen=True)
class Prepared:
    """What `prepare` did: seeded or not, at which scale, and the demo logins."""

    seeded: bool
    scale: int | None
    logins: list[str]
    refreshed: int = 0
    # Of the demo data's items: how many there are, and how many the table held before.
    items: int = 0
    existing: int = 0


async def reset(dynamo: Dynamo, timeout: float = 120.0) -> None:
    """Delete the table and wait until it is gone (DynamoDB deletes in the background)."""
    await delete_table(dynamo)
    deadline = time.monotonic() + timeout
    while await describe_table(dynamo) is not None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {dynamo.table} was not deleted within {timeout}s")
        await asyncio.sleep(0.5)


async def demo_logins(dynamo: Dynamo, scale: int) -> Prepared:
    """The logins of the demo users a seeded table still holds, their sessions renewed.

    The scale is read from the table (its admin's ID) when it can be, else `scale`
    is assumed. Only demo sessions that are missing or expire within SESSION_MARGIN
    are written: every other item stays as the gateway left it.
    """
    lock = await dynamo.get_item(keys.email_lock(ADMIN_EMAIL), consistent=True)
    found = seeded_scale(str(lock["userId"])) if lock and lock.get("userId") else None
    moment = now()
    demo = build(found or scale, moment, dynamo.settings.feed_shards,
                 dynamo.settings.session_ttl_seconds)
    users = await dynamo.get_items([keys.user(u.record.user_id) for u in demo.users],
                                   consistent=True)
    sessions = await dynamo.get_items([keys.session(token_hash(u.token)) for u in demo.users],
                                      consistent=True)
    renew: list[Item] = []
    present: list[tuple[str, str, str]] = []
    for demo_user, user, session, fresh in zip(demo.users, users, sessions, demo.sessions,
                                               strict=True):
        if user is None:  # deleted since the seed, or not demo data
            continue
        present.append((str(user.get("email")), str(user.get("role")), demo_user.token))
        if session is None or parse_iso(str(session["expiresAt"])) < moment + SESSION_MARGIN:
            renew.append(fresh)
    await _write(dynamo, renew)
    return Prepared(False, found, login_lines(present), len(renew))


async def prepare(
    dynamo: Dynamo, scale: int, *, reset_table: bool = False,
    say: Callable[[str], None] = lambda line: None,
) -> Prepared:
    """The table ready for development: created, and seeded if none of the demo data's
    items exists (after deleting the table, with `reset_table`).

    `say` receives progress lines. Demo data is never written again: see the module's
    docstring.
    """
    if reset_table:
        say(f"deleting table {dynamo.table} ...")
        await reset(dynamo)
    await create_table(dynamo)
    demo = build(scale, now(), dynamo.settings.feed_shards, dynamo.settings.session_ttl_seconds)
    demo_keys: list[Key] = [{"PK": item["PK"], "SK": item["SK"]} for item in demo.items]
    demo_keys += [keys.user(u.record.user_id) for u in demo.users]
    # Any one of them there (emails and slugs are the same at every scale) means the demo
    # data was written, maybe in part, and maybe changed since: leave all of it alone.
    existing = sum(item is not None for item in await dynamo.get_items(demo_keys, consistent=True))
    if existing:
        found = await demo_logins(dynamo, scale)
        return replace(found, items=len(demo_keys), existing=existing)
    counts = demo.counts
    say(f"seeding demo data (scale {scale}): {len(demo_keys)} items: "
        f"{counts['users']} users, {counts['posts']} posts, {counts['comments']} comments, "
        f"{counts['products']} products, {counts['orders']} orders ...")
    started = time.monotonic()
    await _write_demo(dynamo, demo)
    say(f"seeded in {time.monotonic() - started:.1f} s")
    summary = demo.summary()
    return Prepared(True, scale, summary["logins"], items=len(demo_keys))
