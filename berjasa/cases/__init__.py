"""The generic write path that every case workflow (enrolment, claim) runs on."""
