"""Small, explicit test data: a few enterprises and postings, written out so tests read on their own."""

from __future__ import annotations

from datetime import date, timedelta

from storage.db import Database
from storage.models import Enterprise, Posting


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
