import { describe, expect, it } from 'vitest';
import { toAppError } from '../errors';
import { listFilesQuerySchema, searchParamsToObject, updateFileBodySchema, uploadQuerySchema } from './schemas';

const query = (qs: string) => searchParamsToObject(new URLSearchParams(qs));

describe('listFilesQuerySchema', () => {
  it('defaults to newest first, 50 per page', () => {
    expect(listFilesQuerySchema.parse(query(''))).toEqual({ sort: 'date', order: 'desc', limit: 50 });
    expect(listFilesQuerySchema.parse(query('q=&cursor=&limit='))).toEqual({ sort: 'date', order: 'desc', limit: 50 });
  });

  it('picks the natural direction of each sort unless asked', () => {
    expect(listFilesQuerySchema.parse(query('sort=name')).order).toBe('asc');
    expect(listFilesQuerySchema.parse(query('sort=size')).order).toBe('desc');
    expect(listFilesQuerySchema.parse(query('sort=name&order=desc')).order).toBe('desc');
  });

  it('parses the parameters and refuses bad ones with a sentence', () => {
    expect(listFilesQuerySchema.parse(query('q=%20report%20&limit=200&cursor=abc'))).toMatchObject({
      q: 'report',
      limit: 200,
      cursor: 'abc',
    });
    const bad = (qs: string) => toAppError(listFilesQuerySchema.safeParse(query(qs)).error).message;
    expect(bad('limit=0')).toBe('limit: must be at least 1.');
    expect(bad('limit=201')).toBe('limit: must be at most 200.');
    expect(bad('limit=abc')).toMatch(/^limit: must be a number/);
    expect(bad('sort=color')).toBe('sort: must be date, name or size.');
    expect(bad('order=up')).toBe('order: must be asc or desc.');
  });
});

describe('updateFileBodySchema', () => {
  it('accepts only a visibility', () => {
    expect(updateFileBodySchema.parse({ visibility: 'public' })).toEqual({ visibility: 'public' });
    expect(toAppError(updateFileBodySchema.safeParse({ visibility: 'secret' }).error).message).toBe(
      'visibility: must be "private" or "public".',
    );
    expect(toAppError(updateFileBodySchema.safeParse({ visibility: 'public', name: 'x' }).error).message).toBe(
      'Only "visibility" can be changed.',
    );
    expect(updateFileBodySchema.safeParse(null).success).toBe(false);
  });
});

describe('uploadQuerySchema', () => {
  it('reads ?visibility= and ?replace=', () => {
    expect(uploadQuerySchema.parse(query(''))).toEqual({ visibility: undefined, replace: false });
    expect(uploadQuerySchema.parse(query('visibility=public&replace=1'))).toEqual({
      visibility: 'public',
      replace: true,
    });
    expect(uploadQuerySchema.parse(query('replace=true')).replace).toBe(true);
    expect(uploadQuerySchema.parse(query('replace=0')).replace).toBe(false);
    expect(uploadQuerySchema.parse({ replace: true }).replace).toBe(true);
    expect(uploadQuerySchema.safeParse(query('replace=maybe')).success).toBe(false);
    expect(uploadQuerySchema.safeParse(query('visibility=hidden')).success).toBe(false);
  });
});
