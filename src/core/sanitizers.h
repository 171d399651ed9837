// TGATE_UNDER_SANITIZERS: 1 when this translation unit is built with
// AddressSanitizer or ThreadSanitizer, by g++ (__SANITIZE_ADDRESS__) or by
// clang (__has_feature), else undefined. For code and tests that must act
// differently under the sanitizers' runtime (it needs descriptors of its own,
// it is several times slower). Not a way to detect UBSan alone: every tgate
// sanitizer build (scripts/test-hardening.sh) includes ASan.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TGATE_UNDER_SANITIZERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TGATE_UNDER_SANITIZERS 1
#endif
#endif
