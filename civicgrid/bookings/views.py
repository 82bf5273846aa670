"""Pages of 资源共享."""
