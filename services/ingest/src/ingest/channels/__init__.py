"""Channels: WhatsApp, Messenger and Telegram webhooks and the generic API channel."""
