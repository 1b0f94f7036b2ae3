# needs Python 3.12: nested same-type quotes in an f-string
class WebSocketManagerNew:
    def name(self, d):
        return f"{d["key"]}"
