from django.apps import AppConfig


class TextmatchConfig(AppConfig):
    name = "textmatch"
