/* SPDX-License-Identifier: MIT */
/* ufs.c - the vendor's file commands as data: the checksum AT+QFUPL and
 * AT+QFDWL report (dfota/guide.h). Pure. */
#include "dfota/guide.h"

uint16_t dfota_ufs_checksum(uint16_t sum, uint64_t offset, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        sum ^= (uint16_t)((offset + i) % 2 == 0 ? p[i] << 8 : p[i]);
    return sum;
}
