import json

from id2face.training.logs import RunLogger


def test_logger_writes_jsonl_and_tensorboard(tmp_path):
    log = RunLogger(tmp_path / "logs")
    log.log(3, {"loss": 0.5})
    log.close()
    rows = [json.loads(x) for x in (tmp_path / "logs" / "log.jsonl").read_text().splitlines()]
    assert rows[0]["step"] == 3 and rows[0]["loss"] == 0.5
    events = list((tmp_path / "logs" / "tensorboard").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0


def test_disabled_logger_writes_nothing(tmp_path):
    log = RunLogger(tmp_path / "logs", enabled=False)
    log.log(1, {"loss": 1.0})
    log.close()
    assert not (tmp_path / "logs").exists()
