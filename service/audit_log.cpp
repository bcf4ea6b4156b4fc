#include "service/audit_log.h"
