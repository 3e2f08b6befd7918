"""Accounts and sessions in the schema: AuthPayload, the inputs, and their mutations."""

from __future__ import annotations

from typing import Any

import strawberry

from resolvers import auth
from schema.enums import Role, UserStatus
from schema.scalars import DateTime
from schema.types import Info, User

Private = strawberry.Private


@strawberry.type
class AuthPayload:
    result: Private[auth.SignedIn]

    @strawberry.field(description=(
        "Bearer token for the Authorization header. Shown once; only its hash is stored."
    ))
    def token(self) -> str:
        return self.result.token

    @strawberry.field
    def expires_at(self) -> DateTime:
        return self.result.session.expires_at  # type: ignore[return-value]

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
    changes = {name: value for name, value in sent.items() if value is not strawberry.UNSET}
    if data.social_links is not strawberry.UNSET:
        changes["socialLinks"] = (
            None if data.social_links is None
            else [(link.name, link.url) for link in data.social_links]
        )
    return changes


@strawberry.type
class AuthMutations:
    @strawberry.mutation
    async def sign_up(self, info: Info, input: SignUpInput) -> AuthPayload:
        result = await auth.sign_up(info.context, input.email, input.password,
                                    _given(input.first_name), _given(input.last_name))
        return AuthPayload(result=result)

    @strawberry.mutation
    async def sign_in(self, info: Info, email: str, password: str) -> AuthPayload:
        return AuthPayload(result=await auth.sign_in(info.context, email, password))

    @strawberry.mutation(description="Ends the current session.")
    async def sign_out(self, info: Info) -> bool:
        return await auth.sign_out(info.context)

    @strawberry.mutation(description="Ends one of the viewer's sessions.")
    async def revoke_session(self, info: Info, id: strawberry.ID) -> bool:
        return await auth.revoke_session(info.context, id)

    @strawberry.mutation
    async def change_password(self, info: Info, current_password: str, new_password: str) -> bool:
        return await auth.change_password(info.context, current_password, new_password)

    @strawberry.mutation(description="The viewer's own names and profile.")
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> User:
        return User.of(await auth.update_profile(info.context, _profile_changes(input)))

    @strawberry.mutation(description="Admins only: role and status.")
    async def update_user(self, info: Info, input: UpdateUserInput) -> User:
        role, status = _given(input.role), _given(input.status)
        found = await auth.update_user(info.context, input.id, role.value if role else None,
                                       status.value if status else None)
        return User.of(found)
