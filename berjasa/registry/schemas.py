import marshmallow as ma


class KecamatanSchema(ma.Schema):
    code = ma.fields.String(metadata={"example": "09"})
    full_code = ma.fields.String(metadata={"example": "73.71.09"})
    name = ma.fields.String(metadata={"example": "Panakkukang"})
    code_confirmed = ma.fields.Boolean()
