"""Small, explicit test data: a few enterprises and postings, written out so tests read on their own."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.db import Database
from storage.models import ChannelIdentity, Enterprise, Person, Posting, SecretaryCoverage, WorkerProfile


async def add_postings(db: Database, today: date) -> None:
    """Tea picking in 双福镇, a factory in 绍兴, a hotel job and a closed posting."""
    async with db.session() as session:
        tea = Enterprise(name="双福茶叶专业合作社", township="双福镇", city="峨眉山市")
        factory = Enterprise(name="绍兴柯桥纺织印染有限公司", city="绍兴", province="浙江")
        hotel = Enterprise(name="峨眉山红珠山宾馆", township="峨山街道", city="峨眉山市")
        session.add_all([tea, factory, hotel])
        await session.flush()
        session.add_all(
            [
                Posting(enterprise_id=tea.id, title="春茶采摘工", job_category="采茶工", township="双福镇",
                        openings=80, salary_min=120, salary_max=160, salary_unit="day", seasonal=True,
                        description="采明前茶，按天计酬", contact_name="刘会计", contact_phone="13800001111",
                        deadline=today + timedelta(days=20), benefits="包午饭"),
                Posting(enterprise_id=tea.id, title="茶叶采摘（按斤计）", job_category="采茶工", township="双福镇",
                        openings=40, salary_text="面议", deadline=today + timedelta(days=10)),
                Posting(enterprise_id=factory.id, title="印染车间普工", job_category="普工", city="绍兴",
                        province="浙江", openings=30, salary_min=5000, salary_max=6500, salary_unit="month",
                        benefits="包吃住，返岗交通补贴", deadline=today + timedelta(days=30)),
                Posting(enterprise_id=hotel.id, title="客房服务员", job_category="服务员", township="峨山街道",
                        openings=5, salary_min=2800, salary_max=3200, deadline=today + timedelta(days=15)),
                Posting(enterprise_id=hotel.id, title="去年的厨师岗位", job_category="厨师", township="峨山街道",
                        openings=1, salary_min=4000, status="closed"),
            ]
        )


async def add_people(db: Database, *, registered_at: datetime) -> dict[str, int]:
    """Secretaries sec1 (covers 双福镇) and sec2 (covers 绥山镇), admin admin1, and workers: worker1 and worker2
    in 双福镇 with sec1, worker3 in 绥山镇 with sec2 and no private chat (registered by an observer).
    Returns terminal id → person id."""
    ids: dict[str, int] = {}
    async with db.session() as session:
        def person(key: str, role: str, name: str, *, township: str | None = None, phone: str | None = None,
                   chat: bool = True) -> Person:
            p = Person(role=role, name=name, township=township, phone=phone)
            p.identities.append(ChannelIdentity(channel="terminal", external_id=key, chat_id=key if chat else None))
            session.add(p)
            return p

        people = {
            "sec1": person("sec1", "secretary", "王秘书"),
            "sec2": person("sec2", "secretary", "李秘书"),
            "admin1": person("admin1", "admin", "张科长"),
            "worker1": person("worker1", "worker", "刘大姐", township="双福镇", phone="13812345678"),
            "worker2": person("worker2", "worker", "陈大哥", township="双福镇", phone="13900001111"),
            "worker3": person("worker3", "worker", "杨师傅", township="绥山镇", phone="13700002222", chat=False),
        }
        await session.flush()
        ids = {key: p.id for key, p in people.items()}
        session.add_all([
            SecretaryCoverage(secretary_id=ids["sec1"], township="双福镇"),
            SecretaryCoverage(secretary_id=ids["sec2"], township="绥山镇"),
        ])
        for worker, secretary in (("worker1", "sec1"), ("worker2", "sec1"), ("worker3", "sec2")):
            session.add(WorkerProfile(person_id=ids[worker], secretary_id=ids[secretary], status="seeking",
                                      registered_at=registered_at, consent_at=registered_at, consent_how="self"))
    return ids
