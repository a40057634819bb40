/* Memory and string helpers of the conformance kernel and of its user
   programs. Each links its own copy (the kernel and a user program share no
   code), built from this one source. No headers: both sides declare these. */
typedef __SIZE_TYPE__ size_t;

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;
	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

/* FNV-1a 32 of n bytes, continuing from h (start with 0x811c9dc5). */
unsigned int fnv1a(const void *p, unsigned int n, unsigned int h)
{
	const unsigned char *b = p;
	for (unsigned int i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}
