//! The SPC engine against the reference corpus: every case, configured like each tool that computed it
//! (NHSRplotthedots 0.2.2, qicharts2 0.8.1, controlchartspy 0.1.3), compared point by point.

mod corpus;
mod properties;
mod too_few_points;
