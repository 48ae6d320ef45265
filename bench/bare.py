"""The yardstick of `make bench`: the smallest Flask JSON endpoint, served like Dauys.

    gunicorn -c gunicorn.conf.py bench.bare:app
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def bare():
    return jsonify({"ok": True})
