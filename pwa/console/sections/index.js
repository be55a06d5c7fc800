// The console's sections in menu order. Each module exports `section` (contract in docs/console.md):
//   { id, titleKey, roles, dictionary, screens: { '<sub-route>': async (ctx, params) => Node | {el, cleanup} } }
// The shell (app.js) shows a section only to the roles it names; the API still decides every call.

import { section as counter } from './counter.js';
import { section as hrfile } from './hrfile.js';
import { section as applications } from './applications.js';
import { section as venues } from './venues.js';
import { section as catalog } from './catalog.js';
import { section as registries } from './registries.js';
import { section as tickets } from './tickets.js';
import { section as audit } from './audit.js';
import { section as payments } from './payments.js';
import { section as regions } from './regions.js';
import { section as relyingParties } from './relying-parties.js';
import { section as subscriptions } from './subscriptions.js';
import { section as cases } from './cases.js';
import { section as orders } from './orders.js';

export const SECTIONS = [counter, hrfile, applications, venues, catalog, registries, tickets, audit, payments, regions, relyingParties, subscriptions, cases, orders];
