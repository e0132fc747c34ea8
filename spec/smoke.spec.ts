import { expect } from 'chai';
import { VERSION } from '../lib/index';
describe('smoke', () => { it('has a version', () => { expect(VERSION).to.match(/^\d+\.\d+\.\d+$/); }); });
