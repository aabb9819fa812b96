import marshmallow as ma

from berjasa import fields as f
from berjasa.pagination import page_schema
from workflows.roles import Role


class PartySchema(ma.Schema):
    kind = ma.fields.String()
    code = ma.fields.String()
    name = ma.fields.String()


class MeSchema(ma.Schema):
    username = ma.fields.String()
    role = ma.fields.String()
    party = ma.fields.Nested(PartySchema)
    hospital = ma.fields.String(allow_none=True, metadata={"description": "hospital code, for hospital staff"})


class UserCreateSchema(ma.Schema):
    role = ma.fields.Enum(Role, by_value=True, required=True, metadata={"description": "not system"})
    username = f.Text(max_length=64, load_default=None, allow_none=True,
                      metadata={"description": "2-64 lower-case letters, digits, '.', '_' or '-'; default: made up"})
    hospital = f.Text(max_length=32, load_default=None, allow_none=True,
                      metadata={"description": "hospital code, required for hospital_staff"})


class UserSchema(ma.Schema):
    username = ma.fields.String()
    role = ma.fields.String()
    party = ma.fields.String(metadata={"description": "the party's code"})
    hospital = ma.fields.String(allow_none=True)
    is_demo = ma.fields.Boolean()
    created_at = ma.fields.String(metadata={"description": "WITA"})
    live_tokens = ma.fields.Integer(metadata={"description": "tokens not revoked"})


class NewTokenSchema(ma.Schema):
    username = ma.fields.String()
    token = ma.fields.String(metadata={"description": "shown this once; only its hash is kept"})


class UserWithTokenSchema(UserSchema):
    token = ma.fields.String(metadata={"description": "shown this once; only its hash is kept"})


class RevokedSchema(ma.Schema):
    username = ma.fields.String()
    revoked = ma.fields.Integer()


UserPageSchema = page_schema(UserSchema, "UserPage")
