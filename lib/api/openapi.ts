// The OpenAPI description of /api/v1, served at /api/v1/openapi.json (no auth: it holds no data).
const error = { $ref: '#/components/responses/Error' };
const fileId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'file id (URL-encoded)',
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Fileserver API',
    version: '1',
    description:
      'Store files and mint share links. Authenticate with `Authorization: Bearer <API token>` (create one on the admin page or with `npm run cli -- token create <name>`).',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/files': {
      get: {
        summary: 'List files, newest first',
        parameters: [
          { name: 'q', in: 'query', schema: { type: 'string' }, description: 'name contains, or id starts with' },
          { name: 'sort', in: 'query', schema: { enum: ['date', 'name', 'size'] } },
          { name: 'order', in: 'query', schema: { enum: ['asc', 'desc'] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
        ],
        responses: {
          200: {
            description: 'a page',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/FilePage' } } },
          },
          default: error,
        },
      },
      post: {
        summary: 'Upload (streamed multipart, field "file")',
        parameters: [
          { name: 'visibility', in: 'query', schema: { enum: ['private', 'public'] } },
          {
            name: 'replace',
            in: 'query',
            schema: { enum: ['1', '0'] },
            description: 'replace a file of the same name',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
            },
          },
        },
        responses: {
          201: {
            description: 'stored',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/File' } } },
          },
          409: error,
          413: error,
          default: error,
        },
      },
    },
    '/api/v1/files/{id}': {
      parameters: [fileId],
      get: {
        summary: 'One file',
        responses: {
          200: {
            description: 'the file',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/File' } } },
          },
          default: error,
        },
      },
      patch: {
        summary: 'Change visibility',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { visibility: { enum: ['private', 'public'] } },
                required: ['visibility'],
              },
            },
          },
        },
        responses: {
          200: {
            description: 'the file',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/File' } } },
          },
          default: error,
        },
      },
      delete: { summary: 'Delete', responses: { 204: { description: 'deleted' }, default: error } },
    },
    '/api/v1/files/{id}/links': {
      parameters: [fileId],
      post: {
        summary: 'Make a share link',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  ttlSeconds: {
                    type: 'integer',
                    minimum: 1,
                    description: 'default LINK_DEFAULT_TTL, at most LINK_MAX_TTL',
                  },
                  maxDownloads: {
                    type: ['integer', 'null'],
                    minimum: 1,
                    description: '1 = one-time link; null = unlimited',
                  },
                  tracked: {
                    type: 'boolean',
                    default: true,
                    description: 'false: no record, cannot be limited or revoked on its own',
                  },
                },
              },
            },
          },
        },
        responses: {
          201: {
            description: 'the link',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Link' } } },
          },
          default: error,
        },
      },
    },
    '/api/v1/links': {
      get: {
        summary: 'Tracked links',
        parameters: [
          { name: 'fileId', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { 200: { description: 'a page of links' }, default: error },
      },
    },
    '/api/v1/links/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      delete: { summary: 'Revoke a tracked link', responses: { 204: { description: 'revoked' }, default: error } },
    },
    '/api/v1/keys': {
      get: {
        summary: 'Key ring status (never key material)',
        responses: { 200: { description: 'the ring' }, default: error },
      },
    },
    '/api/v1/keys/rotate': {
      post: {
        summary: 'Rotate the signing key now',
        responses: { 200: { description: 'the ring after' }, default: error },
      },
    },
    '/api/v1/logs': {
      get: {
        summary: 'Audit log, newest first',
        parameters: ['action', 'user', 'ip', 'fileId', 'since', 'until', 'limit', 'cursor'].map((name) => ({
          name,
          in: 'query',
          schema: { type: 'string' },
        })),
        responses: { 200: { description: 'a page of entries' }, default: error },
      },
    },
    '/api/health': {
      get: {
        summary: 'Health',
        security: [],
        responses: { 200: { description: 'ok' }, 503: { description: 'database or storage unavailable' } },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      File: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          size: { type: 'integer' },
          type: { type: 'string' },
          visibility: { enum: ['private', 'public'] },
          uploadedAt: { type: 'string', format: 'date-time' },
          downloads: { type: 'integer' },
          url: { type: 'string', format: 'uri' },
        },
      },
      FilePage: {
        type: 'object',
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/File' } },
          nextCursor: { type: ['string', 'null'] },
        },
      },
      Link: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          url: { type: 'string', format: 'uri' },
          expiresAt: { type: 'string', format: 'date-time' },
          maxDownloads: { type: ['integer', 'null'] },
          tracked: { type: 'boolean' },
        },
      },
      Error: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' } },
            required: ['code', 'message'],
          },
        },
      },
    },
    responses: {
      Error: {
        description: 'an error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  },
} as const;
