"""Shared resources (资源共享) of the street, communities and enterprises, and their bookings."""
