from django.urls import path

from . import api

urlpatterns = [
    path("certificates/check", api.CertificateCheckView.as_view(), name="api-certificates-check"),
    path("certificates/verify/<str:token>", api.VerifyView.as_view(), name="api-certificates-verify"),
    path("certificates", api.CertificateListView.as_view(), name="api-certificates"),
    path("certificates/issue", api.CertificateIssueView.as_view(), name="api-certificates-issue"),
    path("certificates/<int:pk>", api.CertificateDetailView.as_view(), name="api-certificate"),
    path("certificates/<int:pk>/pdf", api.CertificatePdfView.as_view(), name="api-certificate-pdf"),
    path("certificates/<int:pk>/revoke", api.CertificateRevokeView.as_view(), name="api-certificate-revoke"),
    path("committees/<str:code>/certificates", api.CommitteeCertificatesView.as_view(), name="api-committee-certificates"),
]
