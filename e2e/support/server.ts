// Another production server of our own, for a spec that needs a different setup.
export { startTestServer as startServer, type TestServer } from '../../lib/testing/test-server';
