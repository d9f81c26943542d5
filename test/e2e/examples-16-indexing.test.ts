import { describeExample } from './examples-kit.ts';

describeExample('16-indexing');
