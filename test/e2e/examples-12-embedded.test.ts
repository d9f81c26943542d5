import { describeExample } from './examples-kit.ts';

describeExample('12-embedded');
