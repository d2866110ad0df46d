"""What the browser journeys share: logging in through the real form, the phone's viewport."""

PASSWORD = "cobuild-demo"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}


def login(page, base, username, password=PASSWORD):
    """Sign in through /accounts/login/ (the form in <main>, not the navbar's logout button)."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
