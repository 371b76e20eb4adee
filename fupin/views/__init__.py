"""What each page shows, without Streamlit: `view(q, sel) -> <Page>View` per page, and the plotly figure
builders. May import everything below fupin.ui; never streamlit."""
