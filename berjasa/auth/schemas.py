import marshmallow as ma


class PartySchema(ma.Schema):
    kind = ma.fields.String()
    code = ma.fields.String()
    name = ma.fields.String()


class MeSchema(ma.Schema):
    username = ma.fields.String()
    role = ma.fields.String()
    party = ma.fields.Nested(PartySchema)
    hospital = ma.fields.String(allow_none=True, metadata={"description": "hospital code, for hospital staff"})
