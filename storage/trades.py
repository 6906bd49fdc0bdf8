"""Which training course prepares for which trade: a job category's course topic, one table for every user.

The chat offers a worker the courses of the trades they asked about (flows/training.py), and the demo county
enrols its workers in the course of a trade they want (storage/demo/county.py); both read this table, so a trade
added here is offered and demonstrated alike. Topics are the `Training.topic` values the bureau's course sheets use.
"""

from __future__ import annotations

TRAINING_TOPIC_OF_CATEGORY: dict[str, str] = {
    "采茶工": "采茶技术",
    "制茶工": "制茶技术",
    "电焊工": "电焊",
    "家政": "家政服务",
    "保洁": "家政服务",
    "电工": "电工",
    "厨师": "厨师",
    "护工": "养老护理",
    "销售": "电商直播",
    "种植工": "农业种植",
    "养殖工": "农业种植",
    "司机": "挖掘机驾驶",
    "建筑工": "挖掘机驾驶",
}
