#!/usr/bin/env node
/**
 * One tenant's ETL worker. The same program runs once per tenant; which tenant it serves is decided only by the
 * bundle it was started with (`envplane run --service etl --tenant wex -- node services/etl/worker.mjs`): its
 * CLIENT_NAME and its own ENCRYPTION_KEY, JIRA_TOKEN and GITHUB_TOKEN files, under the same names for every tenant.
 * `POST /report` also answers the probe: can this worker reach another tenant's secrets through what it was given?
 */
import { serve } from '../_shared/serve.mjs';

serve('etl', () => ({ client: process.env.CLIENT_NAME ?? null }));
