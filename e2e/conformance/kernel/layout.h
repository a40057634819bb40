/* Shared by C and assembly. */
#define THREAD_SIZE 8192
#define TASK_SIZE 1024
