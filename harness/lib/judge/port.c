/* SPDX-License-Identifier: MIT */
/* port.c - the port across the reboot (RULES.md, "Port and timing").
 *
 * The guide, 3.1 and 3.2 (between FTPEND,0 and START in the example):
 *   "The module will be rebooted and the USB port will be re-initialized.
 *    If the current port is USB port, MCU should close and reopen it."
 *
 * Rules: PORT-REBOOT (3.1, 3.2), the module's side: on a USB port the port
 * goes away and comes back between the download's end and START. (The
 * host's side, "MCU should close and reopen it", is HOST-REOPEN, host.c.) */

#include "dfota/at.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* PORT-REBOOT (3.1, 3.2): the update's first sign (START, or an UPDATING
 * or END whose START was lost) after a download that ended with 0: on a
 * USB port the port dropped and came back in between. */
void judge_port_update_begins(dfota_checker *c, flow *f, const dfota_event *ev)
{
    if (f->ph != PH_DL_DONE || c->o.usb_port != 1)
        return;
    if (f->port_lost && f->port_back)
        pass(c, DFOTA_R_PORT_REBOOT);
    else
        judge_report(c, f, DFOTA_R_PORT_REBOOT, DFOTA_L_FAIL, ev, NULL,
               "port-lost and port-back between the download's end and START",
               f->port_lost ? "the port went away but did not come back" : "no port event");
}

/* A terminal program's own line saying the port vanished: taken as a
 * reboot, and said in a NOTE, since the module did not write it. */
void judge_port_terminal_message(dfota_checker *c, const dfota_event *ev)
{
    judge_report(c, c->up, DFOTA_R_PORT_REBOOT, DFOTA_L_NOTE, ev, "terminal-message",
           "the module's own output", "the terminal program says the port vanished: taken as a reboot");
}
