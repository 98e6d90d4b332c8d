#!/usr/bin/env node
/**
 * The backend API, reduced to what the demo needs: it starts with exactly the backend's bundle
 * (`envplane run --service backend -- node services/backend/server.mjs`) and reports which keys and secret files
 * it was given. The database password is read from POSTGRES_PASSWORD_FILE when needed, never from the environment.
 */
import { serve } from '../_shared/serve.mjs';

serve('backend', () => ({ database: `${process.env.POSTGRES_HOST}:${process.env.POSTGRES_PORT}` }));
