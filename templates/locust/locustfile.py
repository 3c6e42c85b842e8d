# Load for chaosgate: users calling the service "web" (chaosgate.config.json), run by Locust.
# Run by `npx chaosgate run <profile>` (users, spawn rate and length come from the profile);
# plain `locust -f locust/locustfile.py` works too.
import os

from locust import HttpUser, constant_throughput, task

# chaosgate hands the URL to call: the fault proxy in front of "web" when the profile's plan
# targets it, else web's own URL. Outside chaosgate, set it yourself (or take the default).
WEB = os.environ.get("CHAOSGATE_URL_WEB", "{{SERVICE_URL}}")


class WebUser(HttpUser):
    host = WEB
    # One journey a second per user: 10 users give 10 requests a second.
    wait_time = constant_throughput(1)

    @task
    def index(self):
        # Change the path to an endpoint of yours. `name` groups the requests in the reports;
        # chaosgate tags each request with its service from the URL it went to.
        self.client.get("/", name="GET /")
