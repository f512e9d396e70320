"""The parts of configuration checking that `bot.settings` assembles into `Settings`.

`values`: the value types of the settings models (TOML arrays, addresses, tokens) and their
rules; `reading`: the config file to a dict, every way it can fail said in one line;
`explain`: a pydantic ValidationError to "key = value: what is allowed" lines; `unused`: the
sections accepted but not used yet, for the start-up warning.

Must not import anything from the project except bot.errors.
"""
