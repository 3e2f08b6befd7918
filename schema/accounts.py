"""Accounts in the schema: users, profiles and sessions, AuthPayload, the inputs and
their mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

import schema.comments
import schema.posts
import schema.reviews
import schema.shop
from data.accounts import ProfileRecord, SessionRecord, UserRecord
from data.pages import page_args
from resolvers import accounts
from schema.connection import Connection, connection, nodes_select
from schema.enums import PostStatus, Role, SortOrder, UserStatus
from schema.node import Info, Node, from_record
from schema.scalars import DateTime

if TYPE_CHECKING:
    from schema.comments import Comment
    from schema.posts import Post
    from schema.reviews import Review
    from schema.shop import Order


@strawberry.type
class SocialLink:
    name: str
    url: str


@strawberry.type
class Profile:
    rec: strawberry.Private[ProfileRecord]

    bio: str | None

    avatar_url: str | None

    website: str | None

    location: str | None

    social_links: list[SocialLink]

    updated_at: DateTime

    @classmethod
    def of(cls, rec: ProfileRecord) -> Profile:
        links = [SocialLink(name=link.name, url=link.url) for link in rec.social_links]
        return from_record(cls, rec, social_links=links)


@strawberry.type
class Session(Node):
    rec: strawberry.Private[SessionRecord]

    @classmethod
    def of(cls, rec: SessionRecord) -> Session:
        return from_record(cls, rec)

    created_at: DateTime

    expires_at: DateTime

    user_agent: str | None

    @strawberry.field(description="True for the session that made this request.")
    def current(self, info: Info) -> bool:
        return accounts.is_current(info.context, self.rec)


@strawberry.type
class User(Node):
    rec: strawberry.Private[UserRecord]

    @classmethod
    def of(cls, rec: UserRecord) -> User:
        return from_record(
            cls,
            rec,
            display_name=accounts.display_name(rec),
            role=Role(rec.role),
            status=UserStatus(rec.status),
        )

    @strawberry.field(description="Null unless the viewer is this user or an admin.")
    def email(self, info: Info) -> str | None:
        return accounts.email(info.context, self.rec)

    first_name: str | None

    last_name: str | None

    display_name: str

    role: Role

    status: UserStatus

    email_verified: bool

    last_login_at: DateTime | None

    created_at: DateTime

    updated_at: DateTime

    version: int

    @strawberry.field
    async def profile(self, info: Info) -> Profile | None:
        found = await accounts.profile(info.context, self.rec)
        return Profile.of(found) if found else None

    @strawberry.field(
        description=(
            "Newest first. "
            "Drafts and archived posts only for the author, moderators and admins."
        )
    )
    async def posts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: PostStatus | None = None,
    ) -> Connection[Annotated[Post, strawberry.lazy("schema.posts")]]:
        page = await accounts.posts(
            info.context,
            self.rec,
            page_args(first, after, last, before),
            status.value if status else None,
            content=nodes_select(info, "content"),
        )
        return connection(page, schema.posts.Post.of)

    @strawberry.field(description="Newest first.")
    async def comments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated[Comment, strawberry.lazy("schema.comments")]]:
        page = await accounts.comments(
            info.context, self.rec, page_args(first, after, last, before),
            with_posts=nodes_select(info, "post"),
        )
        return connection(page, schema.comments.Comment.of)

    @strawberry.field(
        description="The user's own orders; this user or an admin only (FORBIDDEN otherwise)."
    )
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        from_: Annotated[DateTime | None, strawberry.argument(name="from")] = None,
        to: DateTime | None = None,
        order: SortOrder | None = SortOrder.NEWEST_FIRST,
    ) -> Connection[Annotated[Order, strawberry.lazy("schema.shop")]]:
        page = await accounts.orders(
            info.context,
            self.rec,
            page_args(first, after, last, before),
            from_,
            to,
            order != SortOrder.OLDEST_FIRST,
        )
        return connection(page, schema.shop.Order.of)

    @strawberry.field(description="The user's live sessions; this user only (FORBIDDEN otherwise).")
    async def sessions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Session]:
        page = await accounts.sessions(info.context, self.rec, page_args(first, after))
        return connection(page, Session.of)

    @strawberry.field(
        description="Newest first. HIDDEN reviews only for this user, moderators and admins."
    )
    async def reviews(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated[Review, strawberry.lazy("schema.reviews")]]:
        args = page_args(first, after, last, before)
        return await schema.reviews.of_author(info, self.rec, args)


@strawberry.type
class AuthPayload:
    result: strawberry.Private[accounts.SignedIn]

    @strawberry.field(description=(
        "Bearer token for the Authorization header. Shown once; only its hash is stored."
    ))
    def token(self) -> str:
        return self.result.token

    @strawberry.field
    def expires_at(self) -> DateTime:
        return self.result.session.expires_at  # type: ignore[return-value]  # ISO text serializes as is

    @strawberry.field
    def user(self) -> User:
        return User.of(self.result.user)


@strawberry.input
class SocialLinkInput:
    name: str
    url: str


@strawberry.input
class SignUpInput:
    email: str
    password: str = strawberry.field(description="At least 8 characters.")
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET


@strawberry.input
class UpdateProfileInput:
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    avatar_url: str | None = strawberry.UNSET
    website: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    social_links: list[SocialLinkInput] | None = strawberry.UNSET


@strawberry.input
class UpdateUserInput:
    id: strawberry.ID
    role: Role | None = strawberry.UNSET
    status: UserStatus | None = strawberry.UNSET


def _given(value: Any) -> Any:
    """None for a field the client left out (UNSET) as well as for an explicit null."""
    return None if value is strawberry.UNSET else value


def _profile_changes(data: UpdateProfileInput) -> dict[str, Any]:
    """The fields the client sent, under their contract names; left-out ones stay as they are."""
    sent = {
        "firstName": data.first_name, "lastName": data.last_name, "bio": data.bio,
        "avatarUrl": data.avatar_url, "website": data.website, "location": data.location,
    }
    changes: dict[str, Any] = {
        name: value for name, value in sent.items() if value is not strawberry.UNSET
    }
    if data.social_links is not strawberry.UNSET:
        changes["socialLinks"] = (
            None if data.social_links is None
            else [(link.name, link.url) for link in data.social_links]
        )
    return changes


@strawberry.type
class AccountMutations:
    @strawberry.mutation
    async def sign_up(self, info: Info, input: SignUpInput) -> AuthPayload:
        result = await accounts.sign_up(info.context, input.email, input.password,
                                    _given(input.first_name), _given(input.last_name))
        return AuthPayload(result=result)

    @strawberry.mutation
    async def sign_in(self, info: Info, email: str, password: str) -> AuthPayload:
        return AuthPayload(result=await accounts.sign_in(info.context, email, password))

    @strawberry.mutation(description="Ends the current session.")
    async def sign_out(self, info: Info) -> bool:
        return await accounts.sign_out(info.context)

    @strawberry.mutation(description="Ends one of the viewer's sessions.")
    async def revoke_session(self, info: Info, id: strawberry.ID) -> bool:
        return await accounts.revoke_session(info.context, id)

    @strawberry.mutation
    async def change_password(self, info: Info, current_password: str, new_password: str) -> bool:
        return await accounts.change_password(info.context, current_password, new_password)

    @strawberry.mutation(description="The viewer's own names and profile.")
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> User:
        return User.of(await accounts.update_profile(info.context, _profile_changes(input)))

    @strawberry.mutation(description="Admins only: role and status.")
    async def update_user(self, info: Info, input: UpdateUserInput) -> User:
        role, status = _given(input.role), _given(input.status)
        found = await accounts.update_user(info.context, input.id, role.value if role else None,
                                       status.value if status else None)
        return User.of(found)
