/* The header's version macros agree with each other and with the loaded library. Prints
 * APNS_VERSION_STRING, which scripts/test-c.sh compares with the workspace version. */
#include <stdio.h>
#include <string.h>

#include "apns.h"

int main(void) {
  char made[32];
  snprintf(made, sizeof made, "%d.%d.%d", APNS_VERSION_MAJOR, APNS_VERSION_MINOR,
           APNS_VERSION_PATCH);
  if (strcmp(made, APNS_VERSION_STRING) != 0 || strcmp(APNS_VERSION_STRING, apns_version()) != 0) {
    fprintf(stderr, "version mismatch: macros %s, APNS_VERSION_STRING %s, library %s\n", made,
            APNS_VERSION_STRING, apns_version());
    return 1;
  }
  printf("%s\n", APNS_VERSION_STRING);
  return 0;
}
