"""python-telegram-bot adapter: render replies, translate errors, thin handlers."""
