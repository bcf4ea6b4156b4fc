#include "platform/memory/memory_platform.h"

namespace remediator::platform {

MemoryPlatform::MemoryPlatform(TimeSource& time)
    : clock(time), files(time), platform_{&time,     &clock,    &os,       &files,  &processes,
                                          &registry, &services, &products, &secrets, &changes} {}

}  // namespace remediator::platform
