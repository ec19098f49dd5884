"""Election day's pages: the observer's app (/observer/...) and the staff pages (/election-day/...)."""


app_name = "electionday"

urlpatterns: list = [
    # Each part adds its routes here; see electionday/views/.
]
