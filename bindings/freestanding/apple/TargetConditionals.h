/*
 * Stand-in for the SDK's <TargetConditionals.h>, used only by bindings/cross-build.sh.
 *
 * ring's C code includes this header on every Apple target to learn which Apple OS it is built
 * for. The real one ships inside the Xcode SDKs, which a Linux machine does not have. Compiling
 * in freestanding mode (-nostdlibinc) with this file on the include path lets the cross-build
 * compile ring's real C and assembly for iOS, so CI checks that the code builds for the phone.
 * A Mac with Xcode (bindings/ios/build-xcframework.sh) never sees this file.
 *
 * Only iOS is described: cross-build.sh builds no macOS, tvOS, watchOS or visionOS slice.
 */
#ifndef CHILDSAFE_FREESTANDING_TARGET_CONDITIONALS_H
#define CHILDSAFE_FREESTANDING_TARGET_CONDITIONALS_H

#if !defined(__APPLE__) || !__is_target_os(ios)
#error "this stand-in TargetConditionals.h only describes iOS targets"
#endif

#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 0
#define TARGET_OS_IPHONE 1
#define TARGET_OS_IOS 1
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_VISION 0
#define TARGET_OS_MACCATALYST 0

/* The clang target triple says whether this is the simulator (arm64-apple-ios14.0-simulator). */
#if __is_target_environment(simulator)
#define TARGET_OS_SIMULATOR 1
#define TARGET_OS_EMBEDDED 0
#else
#define TARGET_OS_SIMULATOR 0
#define TARGET_OS_EMBEDDED 1
#endif

#endif /* CHILDSAFE_FREESTANDING_TARGET_CONDITIONALS_H */
